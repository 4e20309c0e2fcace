import { afterEach, describe, expect, it } from 'vitest';
import { DIALECTS, freshPgSchema } from '../helpers/databases.js';
import { harness, type Harness } from './harness.js';

/*
 * A pass reads the rows, then waits on the provider's listing. A listing slower than a lease
 * (DigitalOcean under load, a 429 backoff) must not make a creating row whose creator renewed
 * its lease meanwhile look abandoned: the row would be deleted as lost while its droplet is
 * being made, leaving the droplet to the orphan sweep. The listing is held open by a gate while
 * the fake clock moves past the snapshot's lease and the creator renews.
 */
let h: Harness | null = null;
let drop: (() => Promise<void>) | null = null;

afterEach(async () => {
  await h?.close();
  await drop?.();
  h = null;
  drop = null;
});

describe.each(DIALECTS)('a slow listing (%s)', (dialect) => {
  it('keeps a creating row whose lease was renewed while the listing ran', async () => {
    let db;
    if (dialect === 'postgres') {
      const schema = await freshPgSchema();
      drop = schema.drop;
      db = { kind: 'postgres' as const, url: schema.url };
    }
    const t = await harness({}, db);
    h = t;
    const [row] = await t.store.transaction((tx) => t.ops.reserve(tx, 1, 'local'));
    const leaseMs = t.ops.leaseMs;
    // Older than a listing's lag, its lease still running when the pass reads it.
    t.clock.advance(leaseMs - 1000);

    let open!: () => void;
    t.provider.listGate = new Promise<void>((r) => (open = r));
    const pass = t.reconciler.runPass();
    while (t.provider.listsInFlight === 0) await new Promise((r) => setTimeout(r, 5));
    // The listing takes longer than the lease; the creator renewed it meanwhile.
    t.clock.advance(leaseMs);
    expect(await t.store.renewServerLease(row!.id, t.ops.instanceId, t.clock.now() + leaseMs)).toBe(true);
    open();
    await pass;

    const after = await t.store.getServer(row!.id);
    expect([after?.state, after?.reason]).toEqual(['creating', null]);
  });
});
