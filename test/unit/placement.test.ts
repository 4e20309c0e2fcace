import { describe, expect, it } from 'vitest';
import { place, worstLatencies, type RegionOffer } from '../../src/domain/placement.js';

/** nyc3, ams3, sgp1 in that order; each ready with `ready` servers, taking creates, 60 s boots. */
function offers(over: Record<string, Partial<RegionOffer>> = {}): RegionOffer[] {
  return ['nyc3', 'ams3', 'sgp1'].map((name) => ({
    name,
    readyServers: 0,
    acceptsCreates: true,
    bootWaitS: 60,
    ...over[name],
  }));
}

/** 1 ms of extra latency is worth one second less waiting. */
const K = 1;
const one = (m: Record<string, number>) => ({ latencies: [m] });

describe('place(): which region a start lands in', () => {
  it('no region and no latencies: the default region, warm when it has a ready server', () => {
    expect(place({}, offers({ ams3: { readyServers: 1 } }), 'ams3', K)).toEqual({
      ok: true,
      region: 'ams3',
      warm: true,
      reason: 'default_region',
      latencyMs: null,
    });
    expect(place({}, offers(), 'nyc3', K)).toMatchObject({ region: 'nyc3', warm: false, reason: 'default_region' });
  });

  it('region given: that one only; an unknown one or one that takes nothing is refused', () => {
    const o = offers({ nyc3: { readyServers: 3 } });
    expect(place({ region: 'sgp1' }, o, 'nyc3', K)).toMatchObject({
      ok: true,
      region: 'sgp1',
      warm: false,
      reason: 'requested_region',
    });
    expect(place({ region: 'lon1' }, o, 'nyc3', K)).toMatchObject({ ok: false, refusal: 'unknown_region' });
    expect(place({ region: 'sgp1' }, offers({ sgp1: { acceptsCreates: false } }), 'nyc3', K)).toMatchObject({
      ok: false,
      refusal: 'regions_unavailable',
    });
  });

  it('the lowest latency with a ready server', () => {
    const o = offers({ nyc3: { readyServers: 1 }, ams3: { readyServers: 1 } });
    expect(place(one({ nyc3: 90, ams3: 20, sgp1: 200 }), o, 'nyc3', K)).toEqual({
      ok: true,
      region: 'ams3',
      warm: true,
      reason: 'nearest_ready',
      latencyMs: 20,
    });
  });

  it('best region has none ready: a ready server in a slower region when its extra latency is within K × boot wait', () => {
    const o = offers({ nyc3: { readyServers: 1 } });
    // 50 ms more than ams3, ams3 boots in 60 s: 50 <= 60 → the ready server in nyc3.
    expect(place(one({ nyc3: 70, ams3: 20 }), o, 'nyc3', K)).toMatchObject({
      region: 'nyc3',
      warm: true,
      reason: 'ready_in_slower_region',
    });
    // 80 ms more: a cold start in ams3 is worth the wait.
    expect(place(one({ nyc3: 100, ams3: 20 }), o, 'nyc3', K)).toMatchObject({
      region: 'ams3',
      warm: false,
      reason: 'nearest_cold_start',
      latencyMs: 20,
    });
    // Same latencies, a 2-second boot: the cold start wins.
    expect(
      place(one({ nyc3: 70, ams3: 20 }), offers({ nyc3: { readyServers: 1 }, ams3: { bootWaitS: 2 } }), 'nyc3', K),
    ).toMatchObject({ region: 'ams3', warm: false });
  });

  it('skips a region that refuses creates or is at its cap', () => {
    const o = offers({ ams3: { acceptsCreates: false } });
    expect(place(one({ nyc3: 90, ams3: 20, sgp1: 150 }), o, 'nyc3', K)).toMatchObject({
      region: 'nyc3',
      warm: false,
      reason: 'cold_start_in_slower_region',
      latencyMs: 90,
    });
    // A ready server in the refusing region is still claimed: nothing needs to be made.
    const readyThere = offers({ ams3: { acceptsCreates: false, readyServers: 1 } });
    expect(place(one({ nyc3: 90, ams3: 20 }), readyThere, 'nyc3', K)).toMatchObject({
      region: 'ams3',
      warm: true,
      reason: 'nearest_ready',
    });
  });

  it('max_latency_ms: only regions within it; none within → no_region_within_latency, never a far server', () => {
    const o = offers({ sgp1: { readyServers: 5 } });
    expect(place({ ...one({ nyc3: 90, ams3: 20, sgp1: 200 }), maxLatencyMs: 100 }, o, 'nyc3', K)).toMatchObject({
      region: 'ams3',
      warm: false,
    });
    expect(place({ ...one({ nyc3: 190, sgp1: 200 }), maxLatencyMs: 100 }, o, 'nyc3', K)).toEqual({
      ok: false,
      refusal: 'no_region_within_latency',
      message: 'No region within 100 ms for every player',
    });
    const closed = offers({ nyc3: { acceptsCreates: false }, ams3: { acceptsCreates: false } });
    expect(place({ ...one({ nyc3: 90, ams3: 20, sgp1: 300 }), maxLatencyMs: 100 }, closed, 'nyc3', K)).toMatchObject({
      ok: false,
      refusal: 'regions_unavailable',
    });
  });

  it('a party is placed by its worst player: each region counts at the highest latency any player has there', () => {
    const party = {
      latencies: [
        { nyc3: 10, ams3: 90, sgp1: 250 },
        { nyc3: 120, ams3: 30, sgp1: 200 },
      ],
    };
    // Worst: nyc3 120, ams3 90, sgp1 250 → ams3.
    expect(place(party, offers(), 'nyc3', K)).toMatchObject({ region: 'ams3', latencyMs: 90 });
    expect(place({ ...party, maxLatencyMs: 80 }, offers(), 'nyc3', K)).toMatchObject({
      ok: false,
      refusal: 'no_region_within_latency',
    });
  });

  it('ignores regions outside the fleet and regions some player did not measure; ties go to the configured order', () => {
    expect(worstLatencies([{ nyc3: 10, lon1: 5 }, { nyc3: 20 }])).toEqual(new Map([['nyc3', 20]]));
    expect(place(one({ lon1: 1, sgp1: 40, ams3: 40 }), offers(), 'nyc3', K)).toMatchObject({ region: 'ams3' });
    expect(place(one({ lon1: 1 }), offers(), 'nyc3', K)).toMatchObject({
      ok: false,
      refusal: 'no_region_within_latency',
    });
  });
});
