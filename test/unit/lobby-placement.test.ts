import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { rankRegions } from '../../src/domain/placement.js';
import { Refusal } from '../../src/domain/errors.js';
import { decodeCursor, encodeCursor } from '../../src/http/v1/cursor.js';
import { latencyMap, queryPlacement } from '../../src/http/v1/placement-schemas.js';
import { LobbyMetrics } from '../../src/operator/lobby-metrics.js';
import { refusalReason } from '../../src/sessions/lobby-observer.js';
import { Lobbies, type LobbyListing } from '../../src/sessions/lobbies.js';
import { RegionPlacement } from '../../src/sessions/placement-offers.js';
import type { LobbyEntry } from '../../src/domain/lobby.js';
import type { LobbyQuery } from '../../src/store/lobby-queries.js';

const NAMES = ['nyc3', 'ams3', 'sgp1'];

describe('rankRegions(): the regions a lobby listing and quick join use, best first', () => {
  it('neither region nor latencies: every region in configured order', () => {
    expect(rankRegions({}, NAMES)).toEqual({
      ok: true,
      regions: NAMES.map((name, index) => ({ name, index, latencyMs: null })),
    });
  });

  it('a region: that one; an unknown one is refused', () => {
    expect(rankRegions({ region: 'sgp1' }, NAMES)).toEqual({
      ok: true,
      regions: [{ name: 'sgp1', index: 2, latencyMs: null }],
    });
    expect(rankRegions({ region: 'lon1' }, NAMES)).toMatchObject({ ok: false, refusal: 'unknown_region' });
  });

  it("latencies: the worst player's, within the cap, lowest first, ties in configured order", () => {
    const party: Record<string, number>[] = [
      { nyc3: 80, ams3: 20, sgp1: 20 },
      { nyc3: 30, ams3: 50, sgp1: 50, lon1: 1 },
    ];
    const ranked = rankRegions({ latencies: party }, NAMES);
    expect(ranked.ok && ranked.regions.map((r) => [r.name, r.latencyMs])).toEqual([
      ['ams3', 50],
      ['sgp1', 50],
      ['nyc3', 80],
    ]);
    const capped = rankRegions({ latencies: party, maxLatencyMs: 79 }, NAMES);
    expect(capped.ok && capped.regions.map((r) => r.name)).toEqual(['ams3', 'sgp1']);
    // A region only one player measured is no candidate (lon1 is not of the fleet either).
    const some = rankRegions({ latencies: [{ nyc3: 10 }, { ams3: 10 }] }, NAMES);
    expect(some).toMatchObject({ ok: false, refusal: 'no_region_within_latency' });
    expect(rankRegions({ latencies: party, maxLatencyMs: 49 }, NAMES)).toEqual({
      ok: false,
      refusal: 'no_region_within_latency',
      message: 'No region within 49 ms for every player',
    });
  });
});

describe("a listing's placement in its query string", () => {
  it('reads region:ms pairs, a party separated by ;', () => {
    expect(latencyMap('ams3:24, nyc3:95.5')).toEqual({ ams3: 24, nyc3: 95.5 });
    expect(queryPlacement({ latencies: 'ams3:24,nyc3:95', max_latency_ms: 100 })).toEqual({
      latencies: [{ ams3: 24, nyc3: 95 }],
      maxLatencyMs: 100,
    });
    expect(queryPlacement({ latencies: 'ams3:24;ams3:60,nyc3:40' })).toEqual({
      latencies: [{ ams3: 24 }, { ams3: 60, nyc3: 40 }],
    });
    expect(queryPlacement({ region: 'ams3' })).toEqual({ region: 'ams3' });
    expect(queryPlacement({})).toBeUndefined();
  });

  it('refuses what a start refuses, and pairs not so spelt', () => {
    const refused = (q: Parameters<typeof queryPlacement>[0]) => {
      try {
        queryPlacement(q);
      } catch (e) {
        return (e as Error).message;
      }
      return 'accepted';
    };
    expect(refused({ region: 'ams3', latencies: 'ams3:1' })).toBe('give region or latencies, not both');
    expect(refused({ max_latency_ms: 10 })).toBe('max_latency_ms needs latencies');
    expect(refused({ latencies: 'ams3:70000' })).toMatch(/^latencies\/ams3 must be <= 60000/);
    expect(refused({ latencies: 'AMS!:7' })).toMatch(/^latencies must match pattern|property name/);
    expect(refused({ latencies: 'ams3' })).toMatch(/is not region:ms/);
    expect(refused({ latencies: 'ams3:1,ams3:2' })).toMatch(/once per region/);
    expect(refused({ latencies: 'ams3:-1' })).toMatch(/is not region:ms/);
  });

  it("a listing's cursor carries the region it stopped in; an old cursor still reads", () => {
    expect(decodeCursor(encodeCursor({ createdAtMs: 5, id: 'x', region: 'ams3' }))).toEqual({
      createdAtMs: 5,
      id: 'x',
      region: 'ams3',
    });
    expect(decodeCursor(encodeCursor({ createdAtMs: 5, id: 'x' }))).toEqual({ createdAtMs: 5, id: 'x' });
    expect(decodeCursor(Buffer.from(JSON.stringify([5, 'x', 7])).toString('base64url'))).toBeNull();
  });
});

describe('lobby metrics', () => {
  it('count listings by cache and quick joins by outcome, region and a bounded reason', async () => {
    const registry = new Registry();
    const m = new LobbyMetrics(registry, 'orchestrator_');
    m.listing('hit');
    m.listing('hit');
    m.listing('miss');
    m.quickJoin({ outcome: 'seated', region: 'ams3' });
    m.quickJoin({ outcome: 'started', region: 'nyc3' });
    m.quickJoin({
      outcome: 'refused',
      reason: refusalReason(new Refusal('conflict', 'no_region_within_latency', 'x')),
    });
    m.quickJoin({ outcome: 'refused', reason: refusalReason(new Error('some message with a region name')) });
    const text = await registry.metrics();
    expect(text).toContain('orchestrator_lobby_listings_total{cache="hit"} 2');
    expect(text).toContain('orchestrator_lobby_listings_total{cache="miss"} 1');
    expect(text).toContain('orchestrator_quick_joins_total{outcome="seated",region="ams3",reason=""} 1');
    expect(text).toContain('orchestrator_quick_joins_total{outcome="started",region="nyc3",reason=""} 1');
    expect(text).toContain(
      'orchestrator_quick_joins_total{outcome="refused",region="",reason="no_region_within_latency"} 1',
    );
    expect(text).toContain('orchestrator_quick_joins_total{outcome="refused",region="",reason="internal"} 1');
  });
});

describe('Lobbies.list by region: pages run through the regions best first', () => {
  const entry = (id: string, region: string, createdAtMs: number): LobbyEntry => ({
    id,
    code: id.toUpperCase(),
    state: 'active',
    mode: 'duel',
    region,
    attributes: {},
    seatsHeld: 0,
    maxPlayers: 2,
    createdAtMs,
  });
  const rows = [entry('a1', 'nyc3', 1), entry('b1', 'ams3', 2), entry('a2', 'nyc3', 3), entry('b2', 'ams3', 4)];
  // The store's listing: one region's (or every region's) rows, oldest first, after the cursor.
  const store = {
    listLobbies: async (q: LobbyQuery) => {
      const after = q.after;
      const hits = rows.filter(
        (r) =>
          (q.region === undefined || r.region === q.region) &&
          (!after || r.createdAtMs > after.createdAtMs || (r.createdAtMs === after.createdAtMs && r.id > after.id)),
      );
      return { items: hits.slice(0, q.limit), more: hits.length > q.limit };
    },
  };
  const placement = new RegionPlacement({
    regions: {
      names: ['nyc3', 'ams3', 'sgp1'],
      defaultRegion: 'nyc3',
      maxServers: {},
      pingTargets: {},
      poolMinReady: {},
      poolBuffer: {},
    },
    maxServers: () => 10,
    msPerWaitS: 1,
    bootWaitS: () => 60,
    refusals: {} as never,
  });
  const lobbies = new Lobbies(
    { store: store as never, clock: { now: () => 0 } as never },
    {} as never,
    {} as never,
    {} as never,
    { pendingSeatS: 1, defaultMaxPlayers: 2 },
    placement,
  );

  it("the nearest region's sessions first, then the next, one page after another; beyond the cap never", async () => {
    const latencies = [{ nyc3: 90, ams3: 20, sgp1: 5 }];
    const seen: [string, number | null][] = [];
    let after: LobbyListing['after'];
    for (let page = 0; page < 5; page++) {
      const p = await lobbies.list({ attributes: [], limit: 1, placement: { latencies }, after });
      seen.push(...p.items.map((i) => [i.id, i.latencyMs] as [string, number | null]));
      const last = p.items.at(-1);
      if (!p.more || !last) break;
      after = { createdAtMs: last.createdAtMs, id: last.id, region: last.region };
    }
    expect(seen).toEqual([
      ['b1', 20],
      ['b2', 20],
      ['a1', 90],
      ['a2', 90],
    ]);
    const near = await lobbies.list({ attributes: [], limit: 10, placement: { latencies, maxLatencyMs: 50 } });
    expect(near.items.map((i) => i.id)).toEqual(['b1', 'b2']);
    // Without placement: every region, oldest first, as before regions.
    expect((await lobbies.list({ attributes: [], limit: 10 })).items.map((i) => i.id)).toEqual([
      'a1',
      'b1',
      'a2',
      'b2',
    ]);
    await expect(
      lobbies.list({
        attributes: [],
        limit: 1,
        placement: { latencies },
        after: { createdAtMs: 1, id: 'a1', region: 'lon1' },
      }),
    ).rejects.toThrow(/cursor/);
  });
});
