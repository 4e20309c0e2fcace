import { afterEach, describe, expect, it } from 'vitest';
import { harness, type Harness } from './harness.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

/** Issue 23: a session placed in a region waits for a server made there, under that region's cap. */
describe('Reconciler over SQLite: pending sessions per region', () => {
  it('makes each pending session its server in its own region, never past REGION_MAX_SERVERS', async () => {
    const regions = { names: ['local', 'nyc3', 'sgp1'], defaultRegion: 'local', maxServers: { sgp1: 1 } };
    h = await harness({ readiness: 'address', maxServers: 10, regions });
    await h.pendingSession(undefined, 'nyc3');
    await h.pendingSession(undefined, 'sgp1');
    await h.pendingSession(undefined, 'sgp1');
    const r = await h.reconciler.runPass();
    expect(r.applied.done.create).toBe(2);
    const made = await h.store.listServers(['creating', 'starting', 'ready', 'allocated']);
    expect(made.map((s) => s.region).sort()).toEqual(['nyc3', 'sgp1']);
    // Each got the server of its region; the second sgp1 session waits (sgp1 is at its cap of 1).
    const active = await h.store.listSessions(['active']);
    expect(active.map((s) => s.region).sort()).toEqual(['nyc3', 'sgp1']);
    for (const s of active) expect(made.find((m) => m.id === s.serverId)?.region).toBe(s.region);
    expect(await h.store.countSessions(['pending'])).toBe(1);
    expect((await h.reconciler.runPass()).applied.done.create).toBeUndefined();
  });
});
