import { existsSync, statSync } from 'node:fs';
import type { Kysely } from 'kysely';
import { createStore, migrateDatabase } from './create-db.js';
import { openDatabase } from './open-database.js';
import { analyzeTables } from './raw-sql.js';

/*
 * `migrate-data`: moves an installation's state from its SQLite file to PostgreSQL, for the
 * step from one process to several replicas. The service must be stopped while it runs.
 *
 * Copied: every server and session row (live ones and history, so codes and ids stay as they
 * were), what hangs off a session — who holds it (the per-client cap), its players' seats (a
 * session's `seats_held` counts these rows: without them a seat is never freed and a player's
 * reconnect finds no place) and its lobby attributes (what a lobby listing filters by) —,
 * idempotency keys and replay keys still valid, and meta (the server credential secret: game
 * servers already running keep their credentials; pool settings set at run time).
 * Not copied: rate counters (a minute's worth, worthless after the move), and the event log with
 * the webhook delivery state that points into it: PostgreSQL starts a new log, and each webhook
 * target its delivery from that log's start (events before the move were delivered, or are in
 * the SQLite file). One PostgreSQL transaction: either everything lands, or nothing does. Counts
 * are verified afterwards against what was read.
 */

/** The tables moved, in foreign-key order (sessions reference servers; the session tables, sessions). */
export const MIGRATED_TABLES = [
  'servers',
  'sessions',
  'session_holders',
  'seats',
  'session_attributes',
  'idempotency_keys',
  'replay_keys',
  'meta',
] as const;
export type MigratedTable = (typeof MIGRATED_TABLES)[number];

/** Tables whose rows carry an expiry; rows already expired stay behind. */
const EXPIRING: ReadonlySet<MigratedTable> = new Set(['idempotency_keys', 'replay_keys']);

/** Rows per INSERT: far below PostgreSQL's 65,535 parameters for the widest table (sessions, about 20 columns). */
const BATCH = 500;

export interface MigrateDataOptions {
  /** Path of the SQLite file (must exist). */
  from: string;
  /** postgres:// URL of the target. */
  to: string;
  /** Replace whatever the target holds instead of refusing. */
  force?: boolean;
  /** Now, epoch ms: rows expiring at or before it are not copied. */
  nowMs: number;
}

export interface MigrateDataResult {
  /** Rows copied (and verified present in the target), per table. */
  copied: Record<MigratedTable, number>;
  /** Rows left behind because they had expired, per expiring table. */
  expired: Partial<Record<MigratedTable, number>>;
  /** Rows the target held before, deleted because of `force`. */
  replaced: number;
}

/** A refusal: bad arguments, a non-empty target without force, a failed verification. Nothing was changed. */
export class MigrateDataError extends Error {
  override name = 'MigrateDataError';
}

// Both sides are read and written generically, column for column: the schemas are the same
// because both were just migrated by the same code.
type AnyDb = Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export async function migrateData(opts: MigrateDataOptions): Promise<MigrateDataResult> {
  if (!existsSync(opts.from) || !statSync(opts.from).isFile()) {
    throw new MigrateDataError(`--from: no SQLite file at ${opts.from}`);
  }
  if (!/^postgres(ql)?:\/\//.test(opts.to)) throw new MigrateDataError('--to: expected a postgres:// URL');

  // Bring the source up to date exactly as starting the service on it would (this includes the
  // one-time import of an original service's game_droplets table), then the target.
  await (await createStore({ kind: 'sqlite', path: opts.from })).close();
  await migrateDatabase({ kind: 'postgres', url: opts.to });

  const source = openDatabase({ kind: 'sqlite', path: opts.from }).db as AnyDb;
  const target = openDatabase({ kind: 'postgres', url: opts.to }).db as AnyDb;
  try {
    const expired: Partial<Record<MigratedTable, number>> = {};
    const rows = {} as Record<MigratedTable, Record<string, unknown>[]>;
    for (const table of MIGRATED_TABLES) {
      const all = await readTable(source, table);
      rows[table] = EXPIRING.has(table) ? all.filter((r) => Number(r.expires_at) > opts.nowMs) : all;
      if (EXPIRING.has(table)) expired[table] = all.length - rows[table].length;
    }

    const replaced = await target.transaction().execute(async (tx) => {
      const before = await countRows(tx);
      const held = Object.values(before).reduce((a, b) => a + b, 0);
      if (held > 0 && !opts.force) {
        const what = MIGRATED_TABLES.filter((t) => before[t] > 0)
          .map((t) => `${t}: ${before[t]}`)
          .join(', ');
        throw new MigrateDataError(`the target database is not empty (${what}); pass --force to replace its contents`);
      }
      // Children before parents when deleting, parents before children when inserting.
      for (const table of [...MIGRATED_TABLES].reverse()) if (before[table] > 0) await tx.deleteFrom(table).execute();
      for (const table of MIGRATED_TABLES) {
        for (let i = 0; i < rows[table].length; i += BATCH) {
          await tx
            .insertInto(table)
            .values(rows[table].slice(i, i + BATCH))
            .execute();
        }
      }
      return held;
    });

    const after = await countRows(target);
    const copied = {} as Record<MigratedTable, number>;
    for (const table of MIGRATED_TABLES) {
      if (after[table] !== rows[table].length) {
        throw new MigrateDataError(
          `verification failed: ${table} has ${after[table]} rows in the target, ${rows[table].length} were copied`,
        );
      }
      copied[table] = after[table];
    }
    // Statistics now, not at autovacuum's next round: the first starts after the move plan from them.
    await analyzeTables(MIGRATED_TABLES).execute(target);
    return { copied, expired, replaced };
  } finally {
    await source.destroy();
    await target.destroy();
  }
}

/** Every row of a source table. Replay keys' 64-bit prefixes are read as text, never rounded. */
async function readTable(db: AnyDb, table: MigratedTable): Promise<Record<string, unknown>[]> {
  if (table === 'replay_keys') {
    return db
      .selectFrom('replay_keys')
      .select((eb) => ['expires_at', eb.cast<string>('sig_prefix', 'text').as('sig_prefix')])
      .execute();
  }
  return db.selectFrom(table).selectAll().execute();
}

async function countRows(db: AnyDb): Promise<Record<MigratedTable, number>> {
  const counts = {} as Record<MigratedTable, number>;
  for (const table of MIGRATED_TABLES) {
    const row = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    counts[table] = Number(row.n);
  }
  return counts;
}
