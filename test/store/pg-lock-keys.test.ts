import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore } from '../../src/store/create-db.js';
import { MIGRATION_LOCK_CLASS } from '../../src/store/pg-lock-keys.js';
import type { Store, Tx } from '../../src/store/store.js';
import { freshPgSchema } from '../helpers/databases.js';

/*
 * Every advisory lock the service takes on PostgreSQL is its schema's: two installations (or
 * test schemas) in one database never wait on each other; replicas of one schema still do.
 */

type Schema = Awaited<ReturnType<typeof freshPgSchema>>;
let a: Schema;
let b: Schema;
let storeA: Store;
let storeB: Store;

beforeAll(async () => {
  [a, b] = await Promise.all([freshPgSchema(), freshPgSchema()]);
  storeA = await createStore({ kind: 'postgres', url: a.url });
  storeB = await createStore({ kind: 'postgres', url: b.url });
});
afterAll(async () => {
  await storeA?.close();
  await storeB?.close();
  await a?.drop();
  await b?.drop();
});

/** Whether `p` settles within `ms`. */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  return Promise.race([p.then(() => true), sleep(ms).then(() => false)]);
}

describe('advisory locks are keyed by schema', () => {
  it.each([
    ['capacity', (tx: Tx) => tx.lockCapacity()],
    ['holder', (tx: Tx) => tx.lockHolder('203.0.113.9')],
    ['quick-join mode', (tx: Tx) => tx.lockMode('duel')],
  ])('the %s lock: another schema takes it at once, the same schema waits', async (_name, lock) => {
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked = () => {};
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holder = storeA.transaction(async (tx) => {
      await lock(tx);
      locked();
      await held;
    });
    await isLocked;
    try {
      expect(await settlesWithin(storeB.transaction(lock), 3000)).toBe(true);
      const sameSchema = storeA.transaction(lock);
      expect(await settlesWithin(sameSchema, 300)).toBe(false);
      release();
      await sameSchema;
    } finally {
      release();
      await holder;
    }
  });

  it('the migration lock: another schema migrates while one holds it (Kysely’s own key included)', async () => {
    const c = new pg.Client({ connectionString: a.url });
    await c.connect();
    const fresh = await freshPgSchema();
    try {
      // Kysely's database-wide migration key, and schema a's own.
      await c.query(`SELECT pg_advisory_lock(3853314791062309107), pg_advisory_lock($1, hashtext(current_schema()))`, [
        MIGRATION_LOCK_CLASS,
      ]);
      const opening = createStore({ kind: 'postgres', url: fresh.url });
      expect(await settlesWithin(opening, 10_000)).toBe(true);
      await (await opening).close();
      const sameSchema = createStore({ kind: 'postgres', url: a.url });
      expect(await settlesWithin(sameSchema, 500)).toBe(false);
      await c.query('SELECT pg_advisory_unlock_all()');
      await (await sameSchema).close();
    } finally {
      await c.end();
      await fresh.drop();
    }
  });
});
