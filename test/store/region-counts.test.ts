import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeServer, makeSession, T0 } from './fixtures.js';
import { openTestStore, STORE_KINDS, type TestStore } from './test-stores.js';

/** countByRegion (issue 23): what placement and the per-region reserve read, in two aggregate statements. */
describe.each(STORE_KINDS)('countByRegion on %s', (kind) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore(kind);
  });
  afterAll(() => t.dispose());

  it('counts ready (heard recently, empty), machines, machines on their way and pending sessions per region', async () => {
    const s = t.store;
    const rows = [
      makeServer({ region: 'ams3', state: 'ready', lastHeartbeatAtMs: T0 + 50 }),
      makeServer({ region: 'ams3', state: 'ready', lastHeartbeatAtMs: T0 }), // silent since T0
      makeServer({ region: 'ams3', state: 'ready', players: 2, lastHeartbeatAtMs: T0 + 50 }),
      makeServer({ region: 'ams3', state: 'deleted' }),
      makeServer({ region: 'nyc3', state: 'starting' }),
      makeServer({ region: 'nyc3', state: 'creating', ip: null, owner: 'x', leaseUntilMs: T0 + 200 }),
      makeServer({ region: 'nyc3', state: 'creating', ip: null, owner: 'x', leaseUntilMs: T0 + 50 }), // abandoned
      makeServer({ region: 'nyc3', state: 'ready', origin: 'external', lastHeartbeatAtMs: T0 + 50 }),
    ];
    for (const r of rows) await s.insertServer(r);
    await s.insertSession(makeSession({ region: 'sgp1' }));
    await s.insertSession(makeSession({ region: 'sgp1' }));
    await s.insertSession(makeSession({ region: 'nyc3', state: 'ended', endedAtMs: T0, endReason: 'idle' }));
    const counts = await s.countByRegion(T0 + 100, T0 + 10);
    expect(Object.fromEntries(counts)).toEqual({
      ams3: { ready: 1, machines: 3, onTheWay: 0, pending: 0 },
      nyc3: { ready: 1, machines: 3, onTheWay: 2, pending: 0 },
      sgp1: { ready: 0, machines: 0, onTheWay: 0, pending: 2 },
    });
    expect((await s.countByRegion(T0 + 100)).get('ams3')?.ready).toBe(2);
  });
});
