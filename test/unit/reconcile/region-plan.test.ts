import { describe, expect, it } from 'vitest';
import { computePlan } from '../../../src/reconcile/index.js';
import { shareCreates, type RegionPoolsInput } from '../../../src/reconcile/region-plan.js';
import type { RegionPool } from '../../../src/sessions/region-pools.js';
import type { PoolDemand } from '../../../src/reconcile/types.js';
import { input, NOW, S, server, session, settings } from './fixtures.js';

const pool = (region: string, o: Partial<RegionPool> = {}): RegionPool => ({
  region,
  poolMinReady: 0,
  poolBuffer: 0,
  maxServers: 10,
  ...o,
});
const regions = (...pools: RegionPool[]): RegionPoolsInput => ({ defaultRegion: pools[0]!.region, pools });
const idleIn = (region: string, n: number, tag = region) =>
  Array.from({ length: n }, (_, i) =>
    server(`${tag}-i${i}`, { region, state: 'ready', players: 0, readyAtMs: NOW - (100 - i) * S }),
  );

describe('computePlan: a warm pool per region', () => {
  it('each region fills its own pool, in its own region', () => {
    const plan = computePlan({
      ...input({ servers: idleIn('ams3', 1) }),
      regions: regions(pool('ams3', { poolMinReady: 2 }), pool('nyc3', { poolMinReady: 1 }), pool('sgp1')),
    });
    expect(plan.createIn).toEqual({ ams3: 1, nyc3: 1 });
    expect(plan.create).toBe(2);
    expect(plan.pool?.regions).toEqual({
      ams3: { target: 2, atMaxServers: false },
      nyc3: { target: 1, atMaxServers: false },
      sgp1: { target: 0, atMaxServers: false },
    });
  });

  it("an idle server beyond its region's pool is deleted even while another region's pool is short", () => {
    const plan = computePlan({
      ...input({ servers: idleIn('ams3', 2) }),
      regions: regions(pool('ams3'), pool('nyc3', { poolMinReady: 1 })),
    });
    expect(plan.deleteIdle.map((d) => d.serverId).sort()).toEqual(['ams3-i0', 'ams3-i1']);
    expect(plan.createIn).toEqual({ nyc3: 1 });
  });

  it('a pending start is made in its own region', () => {
    const plan = computePlan({
      ...input({ sessions: [session('w1', { state: 'pending', region: 'nyc3' })] }),
      regions: regions(pool('ams3'), pool('nyc3')),
    });
    expect(plan.createIn).toEqual({ nyc3: 1 });
  });

  it("a region's cap holds its creates; the other regions still fill", () => {
    const busy = Array.from({ length: 3 }, (_, i) => server(`a${i}`, { region: 'ams3' }));
    const plan = computePlan({
      ...input({ servers: busy }),
      regions: regions(pool('ams3', { poolMinReady: 2, maxServers: 4 }), pool('nyc3', { poolMinReady: 2 })),
    });
    expect(plan.createIn).toEqual({ ams3: 1, nyc3: 2 });
    expect(plan.pool?.regions?.ams3?.atMaxServers).toBe(true);
    expect(plan.pool?.regions?.nyc3?.atMaxServers).toBe(false);
  });

  it('the global cap is shared: pending starts first, then pool creates round the regions', () => {
    const busy = Array.from({ length: 6 }, (_, i) => server(`b${i}`, { region: 'ams3' }));
    const plan = computePlan({
      ...input({
        servers: busy,
        sessions: [session('w1', { state: 'pending', region: 'sgp1' })],
        settings: settings({ maxServers: 9 }),
      }),
      regions: regions(
        pool('ams3', { poolMinReady: 3 }),
        pool('nyc3', { poolMinReady: 3 }),
        pool('sgp1', { poolMinReady: 0 }),
      ),
    });
    expect(plan.createIn).toEqual({ sgp1: 1, ams3: 1, nyc3: 1 });
    expect(plan.pool?.atMaxServers).toBe(true);
  });

  it('a region no longer configured makes nothing; its idle servers go', () => {
    const plan = computePlan({
      ...input({ servers: idleIn('gone1', 1), sessions: [session('w1', { state: 'pending', region: 'gone2' })] }),
      regions: regions(pool('ams3', { poolMinReady: 1 }), pool('nyc3')),
    });
    expect(plan.deleteIdle.map((d) => d.serverId)).toEqual(['gone1-i0']);
    expect(plan.createIn).toEqual({ ams3: 1 });
  });

  it('the forecast learns each region apart: a busy region holds servers, a sparse one none', () => {
    // ams3: 3 starts a minute for half an hour; sgp1: one start 10 minutes ago.
    const busy = Array.from({ length: 90 }, (_, i) => NOW - i * 20 * S);
    const demand: PoolDemand = {
      startsAtMs: [...busy, NOW - 600 * S],
      bootsS: [45],
      endedLengthsS: [],
      byRegion: {
        ams3: { startsAtMs: busy, bootsS: [45], endedLengthsS: [] },
        sgp1: { startsAtMs: [NOW - 600 * S], bootsS: [45], endedLengthsS: [] },
      },
      settings: {
        targetInstant: 0.95,
        windowS: 1800,
        stepS: 30,
        rateHalfLifeS: 120,
        trendHalfLifeS: 300,
        bootEstimateS: 45,
        maxIdleS: 300,
        idleRateHalfLifeS: 480,
        reconcileIntervalS: 10,
        poolMinReady: 0,
      },
    };
    const plan = computePlan({ ...input(), demand, regions: regions(pool('ams3'), pool('sgp1'), pool('nyc3')) });
    expect(plan.forecasts?.ams3?.target).toBeGreaterThanOrEqual(3);
    expect(plan.forecasts?.sgp1?.target).toBe(0);
    expect(plan.forecasts?.nyc3?.target).toBe(0);
    expect(plan.createIn).toEqual({ ams3: plan.forecasts?.ams3?.target });
    expect(plan.forecast).toBe(plan.forecasts?.ams3);
  });
});

describe('shareCreates', () => {
  it.each([
    [
      'pending first, in region order',
      [
        { forPending: 2, pool: 1 },
        { forPending: 1, pool: 0 },
      ],
      3,
      null,
      [2, 1],
    ],
    [
      'pool creates round the regions',
      [
        { forPending: 0, pool: 5 },
        { forPending: 0, pool: 1 },
        { forPending: 0, pool: 2 },
      ],
      5,
      null,
      [2, 1, 2],
    ],
    [
      'the API budget holds pool creates, never pending ones',
      [
        { forPending: 2, pool: 3 },
        { forPending: 0, pool: 3 },
      ],
      10,
      1,
      [3, 0],
    ],
    ['no room, none', [{ forPending: 2, pool: 3 }], 0, null, [0]],
  ])('%s', (_name, wants, room, api, want) => {
    expect(shareCreates(wants, room, api)).toEqual(want);
  });
});
