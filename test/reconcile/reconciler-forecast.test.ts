import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { Session } from '../../src/domain/session.js';
import { generateShareCode } from '../../src/domain/share-code.js';
import { Reconciler } from '../../src/reconcile/index.js';
import { PoolInForce } from '../../src/sessions/pool-settings.js';
import { silentLog } from '../../src/util/log.js';
import { harness, type Harness } from './harness.js';

let h: Harness;
let reconciler: Reconciler | null = null;
afterEach(async () => {
  await reconciler?.stop();
  reconciler = null;
  await h?.close();
});

const POOL = loadConfig({
  PROVIDER: 'digitalocean',
  DIGITALOCEAN_TOKEN: 't',
  SNAPSHOT_ID: '1',
  POOL_POLICY: 'forecast',
  LOG_LEVEL: 'silent',
}).pool;

/** An ended session started `agoS` seconds ago, as the store keeps history. */
function endedSession(nowMs: number, agoS: number, lengthS = 120, region = 'local'): Session {
  const createdAtMs = nowMs - agoS * 1000;
  return {
    id: randomUUID(),
    code: generateShareCode(),
    state: 'ended',
    serverId: null,
    createdAtMs,
    activatedAtMs: createdAtMs,
    endedAtMs: createdAtMs + lengthS * 1000,
    endReason: 'server_ended',
    lastPlayedAtMs: createdAtMs,
    coldStart: false,
    region,
    placement: null,
  };
}

describe('Reconciler with POOL_POLICY=forecast (SQLite, fake provider)', () => {
  it('sizes the pool from the starts in the store, learns the boot time, shows why, and goes to zero in silence', async () => {
    h = await harness({ readiness: 'heartbeat', maxServers: 40, maxCreatesPerPass: 40, recycleServers: true });
    reconciler = new Reconciler({
      store: h.store,
      provider: h.provider,
      ops: h.ops,
      clock: h.clock,
      log: silentLog,
      settings: h.settings,
      pool: POOL,
    });

    // No history: nothing is held.
    await reconciler.runPass();
    expect(reconciler.status().pool).toMatchObject({
      policy: 'forecast',
      forecast: { target: 0, limitedBy: 'no-demand' },
    });
    expect(await h.liveMade()).toBe(0);

    // Half an hour of 6 starts a minute, already played.
    const now = h.clock.now();
    for (let ago = 1795; ago > 0; ago -= 10) expect(await h.store.insertSession(endedSession(now, ago))).toBe(true);
    const first = await reconciler.runPass();
    const f1 = reconciler.status().pool.forecast!;
    expect(f1.starts).toBe(180);
    expect(f1.ratePerS).toBeCloseTo(0.1, 1);
    expect(f1.bootSamples).toBe(0);
    expect(f1.bootS).toBe(POOL.bootEstimateS);
    expect(f1.why).toMatch(/none measured yet/);
    // 0.1/s over 60 s + 10 s: Poisson(7) reaches 12 with 5.3%, 13 with 2.7%: 13 for 95%.
    expect(f1.expectedStarts).toBeCloseTo(7, 0);
    expect(f1.target).toBe(13);
    expect(first.applied.done.create).toBe(13);
    expect(await h.liveMade()).toBe(13);

    // The machines boot in 45 s and heartbeat: the next pass measures the boot.
    h.clock.advance(45_000);
    for (const s of await h.store.listServers(['creating', 'starting']))
      await h.service.heartbeat({ serverId: s.id }, s.ip!, 0);
    await reconciler.runPass();
    const f2 = reconciler.status().pool.forecast!;
    expect(f2.bootSamples).toBe(13);
    expect(f2.bootS).toBe(45);
    expect(f2.why).toMatch(/boot 45 s \(p90 of 13 measured\)/);

    // Silence: an hour without a start (the servers still heartbeat), every idle server goes.
    h.clock.advance(3600_000);
    for (const s of await h.store.listServers(['ready'])) await h.service.heartbeat({ serverId: s.id }, s.ip!, 0);
    await reconciler.runPass();
    await reconciler.runPass();
    expect(reconciler.status().pool.forecast).toMatchObject({ target: 0, keep: 0 });
    expect(await h.liveMade()).toBe(0);
    expect(h.provider.machines.size).toBe(0);
  });

  it('the fixed policy shows no forecast and reads no demand', async () => {
    h = await harness({ readiness: 'address', poolMinReady: 2 });
    await h.reconciler.runPass();
    expect(h.reconciler.status().pool).toEqual({ policy: 'fixed', forecast: null, forecasts: null });
    expect(await h.liveMade()).toBe(2);
  });

  it.each([
    ['fixed', 'far=forecast', 'far', 'local'],
    ['forecast', 'far=fixed', 'local', 'far'],
  ])(
    'POOL_POLICY=%s with REGION_POOL_POLICY=%s: only the forecasting region sizes its pool from its demand',
    async (policy, perRegion, forecasting, fixed) => {
      const config = loadConfig({
        PROVIDER: 'local',
        LOG_LEVEL: 'silent',
        REGIONS: 'local,far',
        POOL_POLICY: policy,
        REGION_POOL_POLICY: perRegion,
      });
      h = await harness({ readiness: 'heartbeat', maxServers: 40, maxCreatesPerPass: 40, recycleServers: true });
      const pool = new PoolInForce({
        store: h.store,
        regions: config.regions,
        configured: () => ({ poolMinReady: 0, poolBuffer: 0, maxServers: 40 }),
        forecastTarget: () => null,
        policy: config.pool.policy,
        log: silentLog,
      });
      reconciler = new Reconciler({
        store: h.store,
        provider: h.provider,
        ops: h.ops,
        clock: h.clock,
        log: silentLog,
        settings: { ...h.settings, regions: config.regions },
        regionPools: async () => ({ defaultRegion: config.regions.defaultRegion, pools: await pool.regionPools() }),
        pool: config.pool,
      });
      // The same half hour of 6 starts a minute in both regions.
      const now = h.clock.now();
      for (const region of ['local', 'far'])
        for (let ago = 1795; ago > 0; ago -= 10) await h.store.insertSession(endedSession(now, ago, 120, region));
      await reconciler.runPass();
      const coming = await h.store.listServers(['creating', 'starting']);
      // The forecasting region holds servers for its starts; the fixed one its pool of 0, whatever its demand.
      expect(coming.filter((s) => s.region === forecasting).length).toBeGreaterThan(2);
      expect(coming.filter((s) => s.region === fixed)).toEqual([]);
      expect(Object.keys(reconciler.status().pool.forecasts ?? {})).toEqual([forecasting]);
    },
  );
});
