import { createStore } from '../../src/store/create-db.js';
import type { Store } from '../../src/store/store.js';
import { adminQuery, freshPgSchema, pgUrlForSchema } from '../helpers/databases.js';

export { adminQuery, pgUrlForSchema };

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
const EMPTY_TABLES = [
  'webhook_dead_letters',
  'seats',
  'session_attributes',
  'webhook_targets',
  'events',
  'sessions',
  'servers',
  'idempotency_keys',
  'replay_keys',
  'rate_counters',
  'meta',
]
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
  const schema = await freshPgSchema();
  const store = await createStore({ kind: 'postgres', url: schema.url });
  return {
    store,
    reset: () => adminQuery(EMPTY_TABLES, schema.name),
    dispose: async () => {
      await store.close();
      await schema.drop();
    },
  };
}
