import { afterEach, describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator.js';
import { heartbeat, testOrchestrator } from '../helpers/orchestrator.js';

let orch: Orchestrator;
afterEach(async () => orch.close());

describe('GET /v1/status: the warm-pool policy', () => {
  it('with POOL_POLICY=forecast shows what the pool expects and why it holds what it holds', async () => {
    // MAX_SERVERS=0: the pool is sized but nothing is made (no game-server processes in this test).
    orch = await testOrchestrator({
      ADMIN_TOKEN: 'op-token',
      POOL_POLICY: 'forecast',
      POOL_TARGET_INSTANT: '0.9',
      MAX_SERVERS: '0',
    });
    await heartbeat(orch.app, '198.51.100.1', 0);
    await heartbeat(orch.app, '198.51.100.2', 0);
    for (let i = 0; i < 2; i++)
      expect((await orch.app.inject({ method: 'POST', url: '/sessions/start' })).statusCode).toBe(200);
    await orch.reconciler.runPass();
    const r = await orch.app.inject({
      method: 'GET',
      url: '/v1/status',
      headers: { authorization: 'Bearer op-token' },
    });
    expect(r.statusCode).toBe(200);
    const pool = r.json().reconciler.pool;
    expect(pool.policy).toBe('forecast');
    expect(pool.forecast).toMatchObject({
      starts: 2,
      bootSamples: 0,
      bootS: 2,
      horizonS: 12,
      limitedBy: expect.any(String),
    });
    expect(pool.forecast.ratePerS).toBeGreaterThan(0);
    expect(pool.forecast.target).toBeGreaterThanOrEqual(0);
    expect(pool.forecast.why).toMatch(
      /^2 starts in the last 1800 s; .*target 90\.0%|^2 starts in the last 1800 s; .*POOL_MAX_IDLE_S/,
    );
  });

  it('with the fixed policy says so and shows no forecast', async () => {
    orch = await testOrchestrator({ ADMIN_TOKEN: 'op-token' });
    await orch.reconciler.runPass();
    const r = await orch.app.inject({
      method: 'GET',
      url: '/v1/status',
      headers: { authorization: 'Bearer op-token' },
    });
    expect(r.json().reconciler.pool).toEqual({ policy: 'fixed', forecast: null, forecasts: null });
  });
});
