import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createStore } from '../../src/store/create-db.js';
import type { Store } from '../../src/store/store.js';

/** The PostgreSQL CI starts (trust auth). Each store gets its own schema in it. */
export const TEST_PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

export type StoreKind = 'sqlite' | 'postgres';
export const STORE_KINDS: readonly StoreKind[] = ['sqlite', 'postgres'];

/** A migrated, empty store and how to throw it away. */
export interface TestStore {
  /** The current store (reset() may replace it). */
  store: Store;
  /** Empties every table, for the next test. */
  reset(): Promise<void>;
  /** Closes the store and, on PostgreSQL, drops its schema. */
  dispose(): Promise<void>;
}

/** DELETE, not TRUNCATE: on these few rows it is much cheaper (no new files, one commit). */
const EMPTY_TABLES = ['webhook_dead_letters', 'webhook_targets', 'events', 'sessions', 'servers', 'idempotency_keys', 'replay_keys', 'rate_counters', 'meta']
  .map((t) => `DELETE FROM ${t};`)
  .join(' ');

/**
 * A fresh store: SQLite in memory, or PostgreSQL in a new schema chosen through the
 * connection string's search_path. PostgreSQL being unreachable fails the test (no skip).
 */
export async function openTestStore(kind: StoreKind): Promise<TestStore> {
  if (kind === 'sqlite') {
    const t: TestStore = {
      store: await createStore({ kind: 'sqlite', path: ':memory:' }),
      reset: async () => {
        await t.store.close();
        t.store = await createStore({ kind: 'sqlite', path: ':memory:' });
      },
      dispose: () => t.store.close(),
    };
    return t;
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE SCHEMA ${schema}`);
  const store = await createStore({ kind: 'postgres', url: pgUrlForSchema(schema) });
  return {
    store,
    reset: () => adminQuery(EMPTY_TABLES, schema),
    dispose: async () => {
      await store.close();
      await adminQuery(`DROP SCHEMA ${schema} CASCADE`);
    },
  };
}

/** The test database's URL with search_path set to schema. */
export function pgUrlForSchema(schema: string): string {
  return `${TEST_PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

/** Runs SQL on its own connection (in schema, when given): setup and teardown. */
export async function adminQuery(text: string, schema?: string): Promise<void> {
  const client = new pg.Client({ connectionString: schema ? pgUrlForSchema(schema) : TEST_PG_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
