import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createStore } from '../../src/store/create-db.js';
import { GroupCommit } from '../../src/store/group-commit.js';
import { openDatabase } from '../../src/store/open-database.js';
import { Rollback, type Store } from '../../src/store/store.js';
import { makeServer, T0 } from './fixtures.js';

let dir: string;
let store: Store;
beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'group-commit-'));
  store = await createStore({ kind: 'sqlite', path: path.join(dir, 'o.db') });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
});

describe('SQLite group commit', () => {
  it('point reads outside a transaction ride the batch: they see the writes committed with them, and a close answers them first', async () => {
    const server = makeServer({ state: 'ready', ip: '198.51.100.200' });
    // A write and reads begun in one turn: the reads see it (they are answered after its commit).
    const write = store.transaction((tx) => tx.insertServer(server));
    const read = store.getServer(server.id);
    const byIp = store.findActiveServerByIp(server.ip!);
    await write;
    expect((await read)?.id).toBe(server.id);
    expect((await byIp)?.id).toBe(server.id);
    // Queued, not yet run, when the store closes: answered, not cut off by the close.
    const queued = store.getServer(server.id);
    await store.close();
    expect((await queued)?.id).toBe(server.id);
    store = await createStore({ kind: 'sqlite', path: path.join(dir, 'o.db') });
  });

  it('concurrent transactions share commits, and one that throws rolls back alone', async () => {
    const ids = Array.from({ length: 30 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    const results = await Promise.allSettled(
      ids.map((id, i) =>
        store.transaction(async (tx) => {
          await tx.insertServer(makeServer({ id, ip: `198.51.100.${i + 1}`, state: 'ready' }));
          if (i % 3 === 1) throw new Error(`job ${i} fails after writing`);
          return id;
        }),
      ),
    );
    const failed = results.filter((r) => r.status === 'rejected').map((r) => r.reason.message);
    expect(failed).toHaveLength(10);
    expect(failed[0]).toMatch(/job 1 fails/);
    const stored = (await store.listServers()).map((s) => s.id).sort();
    expect(stored).toEqual(ids.filter((_, i) => i % 3 !== 1));
  });

  it('a lost race inside a batch is a value, and later jobs see earlier ones', async () => {
    await store.insertServer(
      makeServer({ id: '00000000-0000-4000-8000-000000000001', ip: '198.51.100.1', state: 'ready', readyAtMs: T0 }),
    );
    const claims = await Promise.all(
      Array.from({ length: 5 }, () => store.transaction((tx) => tx.claimReadyServer(T0 + 1))),
    );
    expect(claims.filter(Boolean)).toHaveLength(1);
    const sigs = await Promise.all(
      Array.from({ length: 5 }, () => store.rememberSignature('ab'.repeat(32), T0, T0 + 1000)),
    );
    expect(sigs.filter(Boolean)).toHaveLength(1);
  });

  it('what a caller was told survives a reopen (answered only after the commit)', async () => {
    const ok = await store.transaction(async (tx) => {
      await tx.insertServer(
        makeServer({ id: '00000000-0000-4000-8000-0000000000aa', ip: '198.51.100.9', state: 'ready' }),
      );
      return true;
    });
    expect(ok).toBe(true);
    await store.close();
    store = await createStore({ kind: 'sqlite', path: path.join(dir, 'o.db') });
    expect(await store.getServer('00000000-0000-4000-8000-0000000000aa')).not.toBeNull();
  });
});

describe('SQLite group commit across event-loop callbacks', () => {
  it('transactions begun by separate callbacks of one loop phase (one per request) share a commit', async () => {
    const { db, savepoints } = openDatabase({ kind: 'sqlite', path: path.join(dir, 'gc.db') });
    await sql`CREATE TABLE t (k INTEGER PRIMARY KEY)`.execute(db);
    const gc = new GroupCommit(db, (trx) => trx, savepoints!);
    // Each setImmediate callback stands for one request's I/O callback: microtasks run between
    // them, so a drain that started at once would finish each transaction before the next began.
    const done = await new Promise<unknown[]>((resolve) => {
      const all: Promise<unknown>[] = [];
      for (let i = 0; i < 20; i++) {
        setImmediate(() => {
          all.push(gc.run((trx) => sql`INSERT INTO t (k) VALUES (${i})`.execute(trx)));
          if (all.length === 20) resolve(Promise.all(all));
        });
      }
    });
    expect(done).toHaveLength(20);
    expect(gc.jobs).toBe(20);
    expect(gc.commits).toBe(1);
    const { rows } = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM t`.execute(db);
    expect(rows[0]!.n).toBe(20);
    await db.destroy();
  });
});

describe('SQLite group commit: jobs that refuse only before writing (RunOptions.refusesBeforeWriting)', () => {
  it('take no savepoint; one that fails after writing all the same loses its batch, and the jobs after it run in the next', async () => {
    const { db, savepoints } = openDatabase({ kind: 'sqlite', path: path.join(dir, 'gc.db') });
    await sql`CREATE TABLE t (k INTEGER PRIMARY KEY)`.execute(db);
    const gc = new GroupCommit(db, (trx) => trx, savepoints!);
    const opts = { refusesBeforeWriting: true };
    const insert = (k: number) => (trx: typeof db) => sql`INSERT INTO t (k) VALUES (${k})`.execute(trx);
    // A batch of them: a refusal before writing undoes nothing; the rest commit, no savepoint taken.
    const ok = await Promise.allSettled([
      gc.run(insert(1), opts),
      gc.run(async () => new Rollback('no room'), opts),
      gc.run(insert(2), opts),
    ]);
    expect(ok.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(savepoints!.taken).toBe(0);
    // One that fails after its first write: nothing can undo it alone, so the batch is lost.
    const lost = await Promise.allSettled([
      gc.run(insert(10), opts),
      gc.run(async (trx) => {
        await insert(11)(trx);
        throw new Error('failed after writing');
      }, opts),
      gc.run(insert(12), opts),
    ]);
    expect(lost.map((r) => r.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
    expect((lost[1] as PromiseRejectedResult).reason.message).toBe('failed after writing');
    const { rows } = await sql<{ k: number }>`SELECT k FROM t ORDER BY k`.execute(db);
    expect(rows.map((r) => r.k)).toEqual([1, 2, 12]);
    await db.destroy();
  });
});
