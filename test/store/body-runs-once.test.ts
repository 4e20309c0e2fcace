import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventKind } from '../../src/domain/events.js';
import { createStore } from '../../src/store/create-db.js';
import type { KyselyStore } from '../../src/store/kysely-store.js';
import { Rollback, rollBack, type Store } from '../../src/store/store.js';
import { makeServer, T0 } from './fixtures.js';

/*
 * The SQLite group commit on a real file: every body runs exactly once, and a body that fails
 * or refuses rolls back alone (its savepoint) while its batch mates commit with one COMMIT.
 */
let dir: string;
let store: Store;
beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'body-once-'));
  store = await createStore({ kind: 'sqlite', path: path.join(dir, 'o.db') });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
});

const commits = () => (store as KyselyStore).commitStats().commits;
const savepoints = () => (store as KyselyStore).commitStats().savepoints;

/** `n` transactions begun in one turn of the event loop (one batch); body i does what `body` says. */
function batch(n: number, body: (i: number) => 'ok' | 'throw' | 'rollBack', runs: number[]) {
  return Promise.allSettled(
    Array.from({ length: n }, (_, i) =>
      store.transaction(async (tx) => {
        runs[i] = (runs[i] ?? 0) + 1; // the side effect a body must never repeat
        const s = makeServer({ state: 'ready' });
        await tx.insertServer(s);
        tx.recordEvent({ atMs: 1, kind: EventKind.ServerCreated, serverId: s.id, sessionId: null, data: {} });
        const what = body(i);
        if (what === 'throw') throw new Error(`job ${i} fails after writing`);
        if (what === 'rollBack') return rollBack(`job ${i} refused`);
        return s.id;
      }),
    ),
  );
}

describe('SQLite group commit: each body once, a failure or refusal alone', () => {
  it('a batch with a failing body runs every body once and commits once; only the failing body rolls back', async () => {
    const runs: number[] = [];
    const before = commits();
    const results = await batch(20, (i) => (i === 7 ? 'throw' : 'ok'), runs);
    expect(runs).toEqual(Array.from({ length: 20 }, () => 1));
    expect(commits() - before).toBe(1);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    expect(await store.countServers(['ready'])).toBe(19);
    expect(await store.listEvents(0, 100)).toHaveLength(19);
  });

  it('a refusal in a batch of 64 is a value: 64 bodies, one commit, its writes and events rolled back', async () => {
    const runs: number[] = [];
    const before = commits();
    const results = await batch(64, (i) => (i === 30 ? 'rollBack' : 'ok'), runs);
    expect(runs.every((n) => n === 1)).toBe(true);
    expect(commits() - before).toBe(1);
    const refused = results.filter((r) => r.status === 'fulfilled' && r.value instanceof Rollback);
    expect(refused).toHaveLength(1);
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(await store.countServers(['ready'])).toBe(63);
    expect(await store.listEvents(0, 100)).toHaveLength(63);
  });

  it('a lone body that refuses rolls back too', async () => {
    const runs: number[] = [];
    const [r] = await batch(1, () => 'rollBack', runs);
    expect(r).toMatchObject({ status: 'fulfilled', value: { reason: 'job 0 refused' } });
    expect(await store.countServers(['ready'])).toBe(0);
  });

  it('a savepoint only for a job that writes: reads and refusals before writing take none; a write that returns rows (UPDATE … RETURNING) takes one and is undone', async () => {
    const ready = Array.from({ length: 10 }, (_, i) => makeServer({ state: 'ready', readyAtMs: T0 + i }));
    await store.transaction(async (tx) => {
      for (const s of ready) await tx.insertServer(s);
    });
    const before = { commits: commits(), savepoints: savepoints() };
    // One batch: 10 jobs that read and refuse, 10 that claim a server (a write answering rows) and refuse, 5 that claim.
    const results = await Promise.all([
      ...ready.map((s) =>
        store.transaction(async (tx) => rollBack((await tx.getServer(s.id)) ? 'seen, refused' : 'missing')),
      ),
      ...ready.map(() => store.transaction(async (tx) => rollBack((await tx.claimReadyServer(T0 + 100))?.id))),
      ...Array.from({ length: 5 }, () => store.transaction((tx) => tx.claimReadyServer(T0 + 100))),
    ]);
    expect(commits() - before.commits).toBe(1);
    expect(results.slice(0, 10).map((r) => (r as Rollback).reason)).toEqual(ready.map(() => 'seen, refused'));
    // Each refused claim was undone before the next job ran, so they all took the same server.
    expect(new Set(results.slice(10, 20).map((r) => (r as Rollback).reason)).size).toBe(1);
    expect(savepoints() - before.savepoints).toBe(15);
    expect(await store.countServers(['allocated'])).toBe(5);
    expect(await store.countServers(['ready'])).toBe(5);
  });
});
