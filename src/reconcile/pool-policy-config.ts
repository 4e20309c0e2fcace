import type { Reader } from '../config-reader.js';
import type { BillingRule } from '../domain/billing-rule.js';
import type { PoolBillingSettings } from './billing-pool.js';

/**
 * How the warm pool is sized. `fixed`: max(POOL_MIN_READY, POOL_BUFFER) idle servers.
 * `forecast`: enough ready servers that a start finds one with probability `targetInstant`,
 * from the recent start rate and trend, the measured boot time and the session lengths.
 */
export interface PoolPolicySettings {
  policy: 'fixed' | 'forecast';
  /** Share of starts that should find a ready server (forecast policy). */
  targetInstant: number;
  /** How far back session starts are read to estimate the rate. */
  windowS: number;
  /** Width of the buckets the rate is smoothed over (Holt's linear method, one step per bucket). */
  stepS: number;
  /** Half-life of the rate's level. */
  rateHalfLifeS: number;
  /** Half-life of the rate's trend. */
  trendHalfLifeS: number;
  /** Boot time assumed until one is measured (seconds from create to ready). */
  bootEstimateS: number;
  /** How long a measured boot counts. */
  bootWindowS: number;
  /** The n-th idle server is held only while the forecast expects it taken within this long (n / rate ≤ this). */
  maxIdleS: number;
  /**
   * Half-life of the calmer start rate the idle cap reads (with the window's rate less half its
   * Poisson noise): longer than rateHalfLifeS, so a few minutes without a start by chance in a
   * slow afternoon do not cap the pool, short enough that the evening's demand is forgotten by night.
   */
  idleRateHalfLifeS: number;
  /** DigitalOcean API calls one pool server costs (create, its address, delete): sizes the per-pass budget. */
  apiCallsPerServer: number;
  /** Idle servers already paid for are kept until shortly before their next billing unit (billing-pool.ts). */
  billing: PoolBillingSettings;
}

/** Reads the POOL_* policy settings; `bootEstimateS` defaults to the provider's own estimate. */
export function readPoolPolicy(
  r: Reader,
  policy: PoolPolicySettings['policy'],
  machine: { bootEstimateS: number; billing: BillingRule; billingByOrigin?: Readonly<Record<string, BillingRule>> },
): PoolPolicySettings {
  const { bootEstimateS } = machine;
  const pool: PoolPolicySettings = {
    policy,
    targetInstant: r.num('POOL_TARGET_INSTANT', 0.95, 0, 0.9999),
    windowS: r.num('POOL_FORECAST_WINDOW_S', 1800, 10, 7 * 86_400),
    stepS: r.num('POOL_FORECAST_STEP_S', 30, 1, 3600),
    rateHalfLifeS: r.num('POOL_RATE_HALF_LIFE_S', 120, 1, 86_400),
    trendHalfLifeS: r.num('POOL_TREND_HALF_LIFE_S', 300, 1, 86_400),
    bootEstimateS: r.num('POOL_BOOT_ESTIMATE_S', bootEstimateS, 0, 3600),
    bootWindowS: r.num('POOL_BOOT_WINDOW_S', 3600, 60, 30 * 86_400),
    maxIdleS: r.num('POOL_MAX_IDLE_S', 450, 0, 86_400),
    idleRateHalfLifeS: r.num('POOL_IDLE_RATE_HALF_LIFE_S', 480, 1, 86_400),
    apiCallsPerServer: r.int('POOL_API_CALLS_PER_SERVER', 3, 1, 100),
    billing: {
      rule: machine.billing,
      ...(machine.billingByOrigin ? { rules: machine.billingByOrigin } : {}),
      aware: r.bool('POOL_BILLING_AWARE', true),
      marginS: r.num('POOL_BILLING_MARGIN_S', 180, 0, 86_400),
    },
  };
  if (pool.stepS > pool.windowS)
    r.problem(`POOL_FORECAST_STEP_S (${pool.stepS}) exceeds POOL_FORECAST_WINDOW_S (${pool.windowS})`);
  return pool;
}
