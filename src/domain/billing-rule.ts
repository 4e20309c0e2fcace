/**
 * How a cloud bills a machine, as data: each provider module states its rule (providers/*),
 * cost reports price by it and the pool keeps an idle machine whose time is already paid.
 * The sources are cited in docs/costs.md.
 */
export interface BillingRule {
  /** Time is billed in whole units of this many seconds, a started unit paid in full (1: per second; 3600: hourly). */
  unitS: number;
  /** The least time a machine is billed for, from its creation. */
  minimumS: number;
  /** The least a machine is billed (DigitalOcean: $0.01). */
  minimumUsd: number;
  /**
   * A calendar month costs at most this many hours of the hourly price (DigitalOcean: 672);
   * null when the cap is the size's monthly price as the API states it (Hetzner), or none.
   * Not applied by the cost report: a game server that lives a month is a leak, not a bill.
   */
  monthlyCapHours: number | null;
  /** One line for reports and the dashboard. */
  text: string;
}

/** DigitalOcean Droplets since 2026-01-01: per second, at least 60 s or $0.01, capped at 672 h a month. */
export const DIGITALOCEAN_BILLING: BillingRule = Object.freeze({
  unitS: 1,
  minimumS: 60,
  minimumUsd: 0.01,
  monthlyCapHours: 672,
  text: 'per second; minimum 60 s or $0.01, whichever is higher (DigitalOcean, since 2026-01-01)',
});

/** Hetzner Cloud servers: hourly, a started hour paid in full, never more than the monthly price. */
export const HETZNER_BILLING: BillingRule = Object.freeze({
  unitS: 3600,
  minimumS: 3600,
  minimumUsd: 0,
  monthlyCapHours: null,
  text: 'hourly; every started hour billed in full, never more than the monthly price (Hetzner Cloud)',
});

/** Local processes cost nothing. */
export const FREE_BILLING: BillingRule = Object.freeze({
  unitS: 1,
  minimumS: 0,
  minimumUsd: 0,
  monthlyCapHours: null,
  text: 'free (local processes)',
});

/** Seconds billed for a machine that lived `aliveS`: at least the minimum, rounded up to whole units. */
export function billedSeconds(rule: BillingRule, aliveS: number): number {
  const s = Math.max(rule.minimumS, Math.max(0, aliveS));
  return Math.ceil(s / rule.unitS - 1e-9) * rule.unitS;
}

/** What a machine that lived `seconds` costs at `hourlyUsd` (0 for a free provider). */
export function machineCostUsd(rule: BillingRule, hourlyUsd: number, seconds: number): number {
  if (hourlyUsd <= 0) return 0;
  return Math.max(rule.minimumUsd, (hourlyUsd * billedSeconds(rule, seconds)) / 3600);
}

/**
 * When a machine created at `createdAtMs` starts its next billing unit after `nowMs` (epoch
 * ms): until then its time is paid whatever happens. Per-second billing pays nothing ahead
 * past the minimum.
 */
export function paidUntilMs(rule: BillingRule, createdAtMs: number, nowMs: number): number {
  const aliveS = Math.max(0, (nowMs - createdAtMs) / 1000);
  return createdAtMs + billedSeconds(rule, aliveS) * 1000;
}
