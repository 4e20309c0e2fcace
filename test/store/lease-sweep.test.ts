import { afterEach, describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator.js';
import { DIALECTS, dialectEnv } from '../helpers/databases.js';
import { testOrchestrator } from '../helpers/orchestrator.js';
import { makeServer, makeSession } from './fixtures.js';

/*
 * The abandoned-start sweep reads pending sessions whose lease ran out, then ends them one by
 * one. Between the read and each end, the waiting request may renew its lease (a database that
 * was frozen answers the queued renewal) or the session may be given a server and answered 200.
 * Neither may be ended: the end re-checks, in its statement, "still pending and still unrenewed".
 * The interleaving is made exact by running the other writer right after the sweep's read.
 */
let orch: Orchestrator | null = null;
let cleanup: (() => Promise<void>) | null = null;

afterEach(async () => {
  await orch?.close();
  await cleanup?.();
  orch = null;
  cleanup = null;
});

/** An orchestrator whose sweep, right after reading its snapshot, lets `meanwhile` write. */
async function withSweepGap(dialect: (typeof DIALECTS)[number], meanwhile: () => Promise<void>) {
  const db = await dialectEnv(dialect);
  cleanup = db.cleanup;
  orch = await testOrchestrator({ ...db.env, PROVIDER: 'local' });
  const store = orch.store;
  const read = store.listAbandonedPending.bind(store);
  store.listAbandonedPending = async (nowMs) => {
    const snapshot = await read(nowMs);
    await meanwhile();
    return snapshot;
  };
  return orch;
}

describe.each(DIALECTS)('lease sweep (%s)', (dialect) => {
  it('a session whose waiter renewed its lease after the sweep read it stays pending', async () => {
    const expired = Date.now() - 1000;
    const s = makeSession({ owner: 'replica-a', leaseUntilMs: expired, createdAtMs: expired - 5000 });
    const o = await withSweepGap(dialect, async () => {
      expect(await o.store.renewSessionLease(s.id, 'replica-a', Date.now() + 15_000)).toBe(true);
    });
    await o.store.insertSession(s);
    expect(await o.sessions.waits.resolveAbandoned()).toBe(0);
    expect((await o.store.getSession(s.id))?.state).toBe('pending');
  });

  it('a session given a server (answered 200) after the sweep read it stays active on that server', async () => {
    const expired = Date.now() - 1000;
    const s = makeSession({ owner: 'replica-a', leaseUntilMs: expired, createdAtMs: expired - 5000 });
    const srv = makeServer({ state: 'allocated', createdAtMs: expired, updatedAtMs: expired });
    const o = await withSweepGap(dialect, async () => {
      expect((await o.store.assignOldestPending(srv.id, Date.now()))?.id).toBe(s.id);
    });
    await o.store.insertServer(srv);
    await o.store.insertSession(s);
    expect(await o.sessions.waits.resolveAbandoned()).toBe(0);
    const after = await o.store.getSession(s.id);
    expect([after?.state, after?.serverId, after?.endReason]).toEqual(['active', srv.id, null]);
    expect((await o.store.getServer(srv.id))?.state).toBe('allocated');
  });

  it('a session still unrenewed is ended as abandoned', async () => {
    const expired = Date.now() - 1000;
    const s = makeSession({ owner: 'replica-a', leaseUntilMs: expired, createdAtMs: expired - 5000 });
    const o = await withSweepGap(dialect, async () => {});
    await o.store.insertSession(s);
    expect(await o.sessions.waits.resolveAbandoned()).toBe(1);
    expect((await o.store.getSession(s.id))?.endReason).toBe('abandoned');
  });
});
