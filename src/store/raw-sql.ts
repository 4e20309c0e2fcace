import { CompiledQuery, sql, type RawBuilder } from 'kysely';

/*
 * The store's raw SQL: the only statements under src/ not built with Kysely's typed query
 * builder, each named here with the reason no typed form exists. Everything else is built
 * against db-schema.ts, so a renamed column fails tsc, and the hot statements are compiled once
 * per dialect (hot-statement.ts). test/store/raw-sql.test.ts fails on a raw `sql` template,
 * `sql.raw`, `CompiledQuery.raw` or SQL text anywhere else under src/, except:
 *  - the migrations (src/store/migrations/): DDL history, frozen as applied; their raw parts are
 *    table modifiers (`unlogged`, `without rowid`) and partial-index predicates that must stay
 *    the text the indexes were created with;
 *  - PRAGMAs, which are connection settings given to the better-sqlite3 handle (open-database.ts,
 *    the checkpoint worker), not statements;
 * *  - the places the test lists with their own reason (work in flight elsewhere).
 */

/**
 * BEGIN IMMEDIATE, for the group commit and the SQLite dialect's transactions: Kysely's
 * transactions begin with a plain (deferred) BEGIN and have no option for IMMEDIATE.
 * IMMEDIATE takes the write lock at BEGIN, where SQLite's busy handler (busy_timeout) waits for
 * it. A deferred BEGIN takes it at the first write, after the batch has read: if the WAL
 * checkpoint worker's connection holds it then (its RESTART), SQLite does not wait (a read
 * transaction that waited to write could deadlock) and the write fails at once with "database
 * is locked". The service is the only writer, so IMMEDIATE costs nothing else.
 */
export const BEGIN_IMMEDIATE = CompiledQuery.raw('BEGIN IMMEDIATE');

/**
 * COMMIT and ROLLBACK of the group commit's transaction, which it drives by hand on one
 * connection (many bodies, one BEGIN … COMMIT): Kysely's transaction() runs one body per
 * transaction and exposes no typed COMMIT on a connection.
 */
export const COMMIT = CompiledQuery.raw('COMMIT');
export const ROLLBACK = CompiledQuery.raw('ROLLBACK');

/**
 * The group commit's per-job savepoint (sqlite-statement-cache.ts). They run synchronously on
 * the better-sqlite3 handle, inside the driver's prepare() of the job's first write, where
 * Kysely's (asynchronous) query pipeline, savepoint API included, cannot run.
 */
export const JOB_SAVEPOINT = {
  take: 'SAVEPOINT job',
  release: 'RELEASE job',
  rollBackTo: 'ROLLBACK TO job',
} as const;

/**
 * The one-process lock on `<DB_PATH>.lock` (startup/sqlite-instance-lock.ts): an exclusive
 * transaction on a file that holds no data, never committed, so the OS releases SQLite's file
 * lock when the process ends. It is run on a better-sqlite3 handle of its own, which no Kysely
 * instance wraps, and Kysely has no typed BEGIN EXCLUSIVE either.
 */
export const EXCLUSIVE_FILE_LOCK = 'BEGIN EXCLUSIVE';

/**
 * `+column` on SQLite: the unary plus (a no-op) is SQLite's documented way to keep its planner
 * from answering a term with an index (see paged-listing.ts). Kysely's builder has no unary
 * plus (its unary operators are `not`, `-`, `exists`, `not exists`).
 */
export function sqliteUnindexed<T>(column: string): RawBuilder<T> {
  return sql<T>`+${sql.ref(column)}`;
}

/**
 * `ANALYZE t1, t2, …` on PostgreSQL after a bulk load (migrate-data.ts): Kysely has no typed
 * ANALYZE. Until autovacuum analyzes a freshly filled table (up to autovacuum_naptime later),
 * PostgreSQL plans from empty statistics: a warm start's claim then sorts every ready row
 * instead of reading the first entry of the index, so its cost grows with the pool.
 */
export function analyzeTables(tables: readonly string[]): RawBuilder<unknown> {
  return sql`ANALYZE ${sql.join(tables.map((t) => sql.table(t)))}`;
}
