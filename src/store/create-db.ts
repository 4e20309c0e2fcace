import type { Kysely } from 'kysely';
import { systemClock, type Clock } from '../util/clock.js';
import type { Database } from './db-schema.js';
import { rebaseEventIds } from './event-queries.js';
import { KyselyStore } from './kysely-store.js';
import {
  hasLegacyTable,
  importLegacyRowsIn,
  readLegacyTable,
  type LegacyImportResult,
  type LegacyTables,
} from './legacy-import.js';
import { runMigrations } from './migrate.js';
import { openDatabase, type DatabaseOptions, type StoreLogger } from './open-database.js';
import type { Store } from './store.js';

export type { DatabaseOptions, StoreLogger } from './open-database.js';

/** Meta key recording that the file's own game_droplets table was imported. */
export const LEGACY_IMPORT_META_KEY = 'legacy_import.game_droplets';

/**
 * Opens the database, brings its schema up to date and returns the Store. An SQLite file
 * that is the original service's database (it has a game_droplets table) is imported once,
 * leaving game_droplets untouched.
 */
export async function createStore(
  opts: DatabaseOptions,
  logger?: StoreLogger,
  clock: Clock = systemClock,
): Promise<Store> {
  if (opts.kind === 'postgres' && opts.pool?.queryTimeoutMs) {
    const applied = await migrateDatabase(opts, logger);
    if (applied.length > 0) logger?.info({ applied }, 'database migrated');
  }
  const { db, kind, savepoints } = openDatabase(opts, logger);
  try {
    const applied = await runMigrations(db, kind, opts.defaultRegion);
    if (applied.length > 0) logger?.info({ applied }, 'database migrated');
    await rebaseEventIds(db, kind);
    const store = new KyselyStore(db, kind, savepoints);
    if (kind === 'sqlite') {
      const imported = await importOwnLegacyTable(store, db, clock.now(), opts.defaultRegion);
      if (imported) logger?.info({ ...imported }, 'imported the original service’s game_droplets');
    }
    return store;
  } catch (err) {
    await db.destroy();
    throw err;
  }
}

/** For the `migrate` command: runs the migrations and returns the names applied now. */
export async function migrateDatabase(opts: DatabaseOptions, logger?: StoreLogger): Promise<string[]> {
  // A migration may rewrite a large table: no client-side query timeout cuts it short.
  const { db, kind } = openDatabase(
    opts.kind === 'postgres' ? { ...opts, pool: { ...opts.pool, queryTimeoutMs: 0 } } : opts,
    logger,
  );
  try {
    return await runMigrations(db, kind, opts.defaultRegion);
  } finally {
    await db.destroy();
  }
}

/**
 * Imports game_droplets living in the store's own SQLite file, once. The meta key is taken
 * first, in the same transaction as the import: the transaction's first statement is a write,
 * so a second process on the file waits for the first and then finds the key.
 */
async function importOwnLegacyTable(
  store: Store,
  db: Kysely<Database>,
  nowMs: number,
  region: string | undefined,
): Promise<LegacyImportResult | null> {
  const legacy = db.withTables<LegacyTables>();
  if (!(await hasLegacyTable(legacy)) || (await store.getMeta(LEGACY_IMPORT_META_KEY)) !== null) return null;
  const rows = await readLegacyTable(legacy);
  const marker = JSON.stringify({ importedAtMs: nowMs });
  return store.transaction(async (tx) => {
    if ((await tx.setMetaIfAbsent(LEGACY_IMPORT_META_KEY, marker)) !== marker) return null;
    return importLegacyRowsIn(tx, rows, nowMs, region);
  });
}
