import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { DIGITALOCEAN_BILLING, FREE_BILLING, HETZNER_BILLING } from '../../src/domain/billing-rule.js';

describe('loadConfig: the warm-pool policy', () => {
  it('defaults: the fixed pool, no recycling; forecast settings ready for POOL_POLICY=forecast', () => {
    const c = loadConfig({});
    expect(c.pool).toEqual({
      policy: 'fixed',
      targetInstant: 0.95,
      windowS: 1800,
      stepS: 30,
      rateHalfLifeS: 120,
      trendHalfLifeS: 300,
      bootEstimateS: 2,
      bootWindowS: 3600,
      maxIdleS: 450,
      idleRateHalfLifeS: 480,
      apiCallsPerServer: 3,
      billing: {
        rule: FREE_BILLING,
        rules: { local: FREE_BILLING, digitalocean: DIGITALOCEAN_BILLING, hetzner: HETZNER_BILLING },
        aware: true,
        marginS: 180,
      },
    });
    expect(c.lifecycle.recycleServers).toBe(false);
    expect(Object.isFrozen(c.pool)).toBe(true);
    expect(loadConfig({ PROVIDER: 'digitalocean', DIGITALOCEAN_TOKEN: 't', SNAPSHOT_ID: '1' }).pool.bootEstimateS).toBe(
      60,
    );
    // Each provider states how it bills; the pool reads it.
    expect(loadConfig({ PROVIDER: 'digitalocean', DIGITALOCEAN_TOKEN: 't', SNAPSHOT_ID: '1' }).pool.billing.rule).toBe(
      DIGITALOCEAN_BILLING,
    );
    expect(loadConfig({ PROVIDER: 'hetzner', HCLOUD_TOKEN: 't', HCLOUD_IMAGE: '1' }).pool.billing.rule).toBe(
      HETZNER_BILLING,
    );
  });

  it('POOL_POLICY=forecast recycles freed servers unless RECYCLE_SERVERS says otherwise', () => {
    expect(loadConfig({ POOL_POLICY: 'forecast' }).lifecycle.recycleServers).toBe(true);
    expect(loadConfig({ POOL_POLICY: 'forecast', RECYCLE_SERVERS: 'false' }).lifecycle.recycleServers).toBe(false);
    expect(loadConfig({ POOL_POLICY: 'fixed', RECYCLE_SERVERS: 'true' }).lifecycle.recycleServers).toBe(true);
  });

  it('reads every knob', () => {
    const c = loadConfig({
      POOL_POLICY: 'forecast',
      POOL_TARGET_INSTANT: '0.99',
      POOL_FORECAST_WINDOW_S: '3600',
      POOL_FORECAST_STEP_S: '60',
      POOL_RATE_HALF_LIFE_S: '300',
      POOL_TREND_HALF_LIFE_S: '900',
      POOL_BOOT_ESTIMATE_S: '90',
      POOL_BOOT_WINDOW_S: '7200',
      POOL_MAX_IDLE_S: '600',
      POOL_IDLE_RATE_HALF_LIFE_S: '900',
      POOL_API_CALLS_PER_SERVER: '4',
      POOL_BILLING_AWARE: 'false',
      POOL_BILLING_MARGIN_S: '300',
    });
    expect(c.pool).toEqual({
      policy: 'forecast',
      targetInstant: 0.99,
      windowS: 3600,
      stepS: 60,
      rateHalfLifeS: 300,
      trendHalfLifeS: 900,
      bootEstimateS: 90,
      bootWindowS: 7200,
      maxIdleS: 600,
      idleRateHalfLifeS: 900,
      apiCallsPerServer: 4,
      billing: {
        rule: FREE_BILLING,
        rules: { local: FREE_BILLING, digitalocean: DIGITALOCEAN_BILLING, hetzner: HETZNER_BILLING },
        aware: false,
        marginS: 300,
      },
    });
  });

  it('names each bad value', () => {
    let err: unknown;
    try {
      loadConfig({
        POOL_POLICY: 'smart',
        POOL_TARGET_INSTANT: '1.5',
        POOL_FORECAST_WINDOW_S: '-1',
        POOL_MAX_IDLE_S: 'soon',
        POOL_API_CALLS_PER_SERVER: '0',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    for (const name of [
      'POOL_POLICY',
      'POOL_TARGET_INSTANT',
      'POOL_FORECAST_WINDOW_S',
      'POOL_MAX_IDLE_S',
      'POOL_API_CALLS_PER_SERVER',
    ])
      expect(msg).toContain(name);
    expect(() => loadConfig({ POOL_FORECAST_STEP_S: '600', POOL_FORECAST_WINDOW_S: '300' })).toThrow(
      /POOL_FORECAST_STEP_S \(600\) exceeds POOL_FORECAST_WINDOW_S \(300\)/,
    );
  });
});
