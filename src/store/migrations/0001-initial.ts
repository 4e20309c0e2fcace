import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectKind } from '../db-schema.js';

/*
 * The first schema. Frozen: a later change is a new migration, never an edit here.
 * Portable on SQLite and PostgreSQL: no dialect defaults (ids and times come from code),
 * times are epoch ms in BIGINT, booleans are integers 0/1.
 *
 * The partial-index predicates below are repeated verbatim by the hot-path queries
 * (server-queries.ts, session-queries.ts): SQLite only uses a partial index when the query
 * contains the same term, so keep them in step.
 */

/** Migrations see the schema as it was then, not today's Database type (Kysely's advice). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

async function createServers(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('servers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('origin', 'text', (c) => c.notNull())
    .addColumn('provider_id', 'text')
    .addColumn('ip', 'text')
    .addColumn('port', 'integer')
    .addColumn('players', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('state_changed_at', 'bigint', (c) => c.notNull())
    .addColumn('ready_at', 'bigint')
    .addColumn('last_heartbeat_at', 'bigint')
    .addColumn('reason', 'text')
    .execute();
  // One live machine per address: heartbeats find their server by ip.
  await db.schema
    .createIndex('servers_active_ip_uq')
    .unique()
    .on('servers')
    .column('ip')
    .where(sql.raw<boolean>(`state IN ('creating','starting','ready','allocated')`))
    .execute();
  // claimReadyServer: the longest-ready server is the first entry for state='ready'.
  await db.schema
    .createIndex('servers_state_ready_at_idx')
    .on('servers')
    .columns(['state', 'ready_at', 'id'])
    .execute();
}

async function createSessions(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('server_id', 'text', (c) => c.references('servers.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('activated_at', 'bigint')
    .addColumn('ended_at', 'bigint')
    .addColumn('end_reason', 'text')
    .addColumn('last_played_at', 'bigint')
    .addColumn('fresh', 'integer', (c) => c.notNull())
    .execute();
  // A code names one live session; an ended session's code may be handed out again.
  await db.schema
    .createIndex('sessions_live_code_uq')
    .unique()
    .on('sessions')
    .column('code')
    .where(sql.raw<boolean>(`state <> 'ended'`))
    .execute();
  // A server holds at most one live session.
  await db.schema
    .createIndex('sessions_live_server_uq')
    .unique()
    .on('sessions')
    .column('server_id')
    .where(sql.raw<boolean>(`state <> 'ended'`))
    .execute();
  // assignOldestPending and listings by state.
  await db.schema
    .createIndex('sessions_state_created_at_idx')
    .on('sessions')
    .columns(['state', 'created_at', 'id'])
    .execute();
}

/**
 * The replay cache and rate counters are rewritten on every signed request and every start
 * or join, and are worthless after their minute is up. On PostgreSQL they are UNLOGGED: no
 * WAL and no fsync per write (a commit that wrote only them does not wait for the disk), at
 * the price of being emptied after a server crash and not reaching replicas. Losing them
 * then costs one skew window of replay protection and one rate-limit window.
 */
function ephemeralTable(db: AnyDb, kind: DialectKind, name: string) {
  const table = db.schema.createTable(name);
  return kind === 'postgres' ? table.modifyFront(sql`unlogged`) : table;
}

async function createSmallTables(db: AnyDb, kind: DialectKind): Promise<void> {
  await db.schema
    .createTable('idempotency_keys')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await ephemeralTable(db, kind, 'replay_cache')
    .addColumn('signature', 'text', (c) => c.primaryKey())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await ephemeralTable(db, kind, 'rate_counters')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('meta')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
  // purgeExpired deletes by expiry without scanning.
  for (const table of ['idempotency_keys', 'replay_cache', 'rate_counters']) {
    await db.schema.createIndex(`${table}_expires_at_idx`).on(table).column('expires_at').execute();
  }
}

/** The first migration for this dialect. */
export function initialMigration(kind: DialectKind): Migration {
  return {
    async up(db) {
      await createServers(db);
      await createSessions(db);
      await createSmallTables(db, kind);
    },
    async down(db) {
      for (const table of ['meta', 'rate_counters', 'replay_cache', 'idempotency_keys', 'sessions', 'servers']) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
