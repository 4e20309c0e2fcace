import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, type Driver, type SqliteDialectConfig } from 'kysely';
import pg from 'pg';
import type { Database, DialectKind } from './db-schema.js';
import { preparingClient } from './pg-prepared.js';
import { SchemaScopedPostgresDialect } from './pg-schema-dialect.js';
import { BEGIN_IMMEDIATE } from './raw-sql.js';
import { makeSqliteFolder } from './sqlite-file.js';
import { withStatementCache, type JobSavepoints } from './sqlite-statement-cache.js';
import { startWalCheckpointer, WAL_RESTART_PAGES } from './wal-checkpointer.js';

/** Where the data lives: an SQLite file (or ':memory:') or a PostgreSQL URL. */
export type DatabaseOptions = (
  | { kind: 'sqlite'; path: string; walCheckpoint?: WalCheckpointOptions }
  | { kind: 'postgres'; url: string; pool?: PgPoolOptions }
) & {
  /** The region rows made before regions existed are in (migration 0011); the config's default region. */
  defaultRegion?: string;
};

/** The checkpoint worker's pace (see wal-checkpointer.ts); unset: its defaults. Tests make it frantic. */
export interface WalCheckpointOptions {
  intervalMs?: number;
  restartPages?: number;
}

/** Pool settings (PG_POOL_MAX, PG_STATEMENT_TIMEOUT_MS, PG_CONNECTION_LIFETIME_S); unset: the defaults below. */
export interface PgPoolOptions {
  max?: number;
  /** statement_timeout of every pool connection, ms; 0: none. */
  statementTimeoutMs?: number;
  /** Close a connection after this many seconds (it is replaced); 0: never. */
  connectionLifetimeS?: number;
  /** Client side: waiting for a connection gives up after this long, ms; 0/unset: never. */
  connectTimeoutMs?: number;
  /** Client side: a query unanswered after this long fails and its connection is dropped, ms; 0/unset: never. */
  queryTimeoutMs?: number;
  /** The hot statements run as named prepared statements (pg-prepared.ts); unset: yes. */
  preparedStatements?: boolean;
}

/** The few logger methods the store uses (pino's Logger fits). */
export interface StoreLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** An open database: Kysely over the dialect's driver. */
export interface OpenDatabase {
  db: Kysely<Database>;
  kind: DialectKind;
  /** SQLite: the group commit's per-job savepoints on the one connection. */
  savepoints?: JobSavepoints;
}

/** SQLite's own wal_autocheckpoint (pages), restored if the checkpoint worker dies. */
const SQLITE_DEFAULT_AUTOCHECKPOINT = 1000;

/** Connections in the PostgreSQL pool, per replica, unless configured. */
const PG_POOL_MAX = 10;

/** Opens (and for SQLite, creates) the database. Does not migrate. */
export function openDatabase(opts: DatabaseOptions, logger?: StoreLogger): OpenDatabase {
  if (opts.kind === 'sqlite') return { ...openSqlite(opts.path, opts.walCheckpoint ?? {}), kind: 'sqlite' };
  return { db: openPostgres(opts.url, opts.pool ?? {}, logger), kind: 'postgres' };
}

function openSqlite(filePath: string, pace: WalCheckpointOptions): { db: Kysely<Database>; savepoints: JobSavepoints } {
  makeSqliteFolder(filePath);
  const raw = new BetterSqlite3(filePath);
  try {
    raw.pragma('journal_mode = WAL');
    // What a commit survives (docs/operations.md): with WAL and NORMAL, a COMMIT is written to
    // the WAL file but not fsynced; the WAL is fsynced only at each checkpoint. So a process
    // crash (kill -9, an exception, OOM) loses no acknowledged commit, the OS still holds the
    // write; a power loss or OS crash can lose the commits since the last checkpoint (about
    // WAL_CHECKPOINT_INTERVAL_MS of them), never the database's consistency. FULL would fsync
    // every commit; the group commit would make that one fsync per batch, not per request.
    raw.pragma('synchronous = NORMAL');
    // Another process on the same file (the `migrate` or `import` CLI) waits instead of failing.
    raw.pragma('busy_timeout = 5000');
    raw.pragma('foreign_keys = ON');
    // The group commit's per-job savepoints keep the pages a job changes in a sub-journal; with
    // temp files (the default) it spilled to a file past 64 KiB and was never truncated, and
    // was most of a warm start's CPU (bench/store-micro.ts: 167 µs a start, 77 µs in memory).
    // Temporary tables and sorts live in memory too: the store's queries sort pages, not tables.
    raw.pragma('temp_store = MEMORY');
    // A WAL that grew in a burst is cut back to the checkpointer's restart size when it next starts over.
    raw.pragma(`journal_size_limit = ${WAL_RESTART_PAGES * 4096}`);
  } catch (err) {
    raw.close();
    throw err;
  }
  const { database, savepoints } = withStatementCache(raw);
  let checkpointerStopped: Promise<void> = Promise.resolve();
  if (filePath !== ':memory:') {
    // Checkpoints in a worker thread, not inside a commit on the event loop (see WalCheckpointer).
    raw.pragma('wal_autocheckpoint = 0');
    const checkpointer = startWalCheckpointer(path.resolve(filePath), {
      ...pace,
      onGone: () => {
        if (raw.open) raw.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT}`);
      },
    });
    const close = database.close.bind(database);
    database.close = () => {
      close();
      checkpointerStopped = checkpointer.stop();
    };
  }
  // destroy() resolves once the checkpoint worker has closed its connection too: a caller that
  // deletes the files next (tests, migrate-data) must not race a worker still opening or
  // checkpointing them.
  return {
    db: new Kysely<Database>({ dialect: new AwaitingSqliteDialect({ database }, () => checkpointerStopped) }),
    savepoints,
  };
}

/**
 * Kysely's SQLite dialect whose driver's destroy() also waits for `afterClose()`, and whose
 * transactions begin IMMEDIATE, as the group commit's do (see raw-sql.ts): a deferred
 * BEGIN that read first and then wrote while the checkpoint worker held the write lock failed
 * at once with "database is locked" instead of waiting busy_timeout.
 */
class AwaitingSqliteDialect extends SqliteDialect {
  constructor(
    config: SqliteDialectConfig,
    private readonly afterClose: () => Promise<void>,
  ) {
    super(config);
  }

  override createDriver(): Driver {
    const driver = super.createDriver();
    driver.beginTransaction = async (connection) => {
      await connection.executeQuery(BEGIN_IMMEDIATE);
    };
    const destroy = driver.destroy.bind(driver);
    driver.destroy = async () => {
      await destroy();
      await this.afterClose();
    };
    return driver;
  }
}

/**
 * BIGINT (int8) columns hold epoch-ms times and counts, all far below 2^53, so they parse
 * to numbers. Set on this pool only: the global pg.types would change every other pg user
 * in the process.
 */
const pgTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary'): unknown =>
    oid === (pg.types.builtins.INT8 as number) && format !== 'binary'
      ? (value: string) => Number(value)
      : (pg.types.getTypeParser(oid, format) as unknown)) as typeof pg.types.getTypeParser,
};

function openPostgres(url: string, settings: PgPoolOptions, logger?: StoreLogger): Kysely<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: settings.max ?? PG_POOL_MAX,
    types: pgTypes,
    ...(settings.statementTimeoutMs ? { statement_timeout: settings.statementTimeoutMs } : {}),
    ...(settings.connectionLifetimeS ? { maxLifetimeSeconds: settings.connectionLifetimeS } : {}),
    // Bounds connecting only (a frozen server accepts TCP and never answers the handshake); a
    // request queued behind busy connections under load waits its turn instead of a 503.
    // The hot statements run prepared (pg-prepared.ts); connecting is bounded when configured.
    Client: preparingClient(settings.connectTimeoutMs ?? 0, settings.preparedStatements ?? true),
    ...(settings.queryTimeoutMs ? { query_timeout: settings.queryTimeoutMs } : {}),
  });
  // An idle client losing its connection emits 'error' on the pool; unhandled, it would
  // crash the process. The pool replaces the client on the next checkout.
  pool.on('error', (err) => logger?.warn({ err: err.message }, 'postgres idle client error'));
  // A client checked out of the pool has no pool listener: when its connection breaks (a
  // database restart sends 57P01, then ECONNRESET), the client emits 'error' on itself, which
  // unhandled ends the process. Its query in flight already fails with the same error and the
  // pool drops the broken client on release, so the listener only has to exist.
  pool.on('connect', (client) => {
    client.on('error', (err) => logger?.warn({ err: err.message }, 'postgres connection lost'));
    if (settings.queryTimeoutMs) dropOnQueryTimeout(client);
  });
  return new Kysely<Database>({ dialect: new SchemaScopedPostgresDialect({ pool }) });
}

/**
 * pg's query_timeout fails the caller but leaves the query running on the connection, and the
 * pool would hand that connection on with the next caller queued behind it (a transaction's
 * ROLLBACK included). A query that timed out destroys its socket instead: everything queued on
 * the client fails at once, and the pool drops the client when it is released.
 */
function dropOnQueryTimeout(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const replaced = (...args: unknown[]): unknown => {
    const result = query(...args);
    if (!(result instanceof Promise)) return result;
    return result.catch((err: unknown) => {
      if (err instanceof Error && err.message === 'Query read timeout')
        (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
      throw err;
    });
  };
  (client as unknown as { query: typeof replaced }).query = replaced;
}
