import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';
import { JOB_SAVEPOINT } from './raw-sql.js';

/**
 * The group commit's per-job savepoints on the SQLite connection (see GroupCommit), taken
 * lazily: armed for a job, `SAVEPOINT job` runs just before the job's first statement that may
 * write. A job that only reads, or that refuses or fails before writing, has nothing to undo
 * and pays for no savepoint. The statements run synchronously on the connection, not through
 * Kysely's query pipeline.
 */
export interface JobSavepoints {
  /**
   * From now on, the first statement that may write takes the job's savepoint first; with
   * `take` false it is only noted (the job needs none: RunOptions.refusesBeforeWriting).
   */
  arm(take?: boolean): void;
  /** Stops arming; whether the job wrote since arm() (its savepoint taken, unless not asked for). */
  disarm(): boolean;
  /** Undoes the job's writes and drops its savepoint. Throws when SQLite ended the transaction itself. */
  rollBack(): void;
  /** Keeps the job's writes in the transaction and drops its savepoint. */
  release(): void;
  /** False once SQLite rolled the transaction back by itself (an I/O error, a full disk). */
  inTransaction(): boolean;
  /** Savepoints taken so far (tests: which jobs paid for one). */
  readonly taken: number;
}

/**
 * Wraps a better-sqlite3 database so Kysely's driver reuses prepared statements, and takes the
 * group commit's lazy savepoints (JobSavepoints).
 *
 * Kysely's SQLite driver calls `prepare(sql)` for every query, then runs the statement at once;
 * preparing costs more than running the small hot-path statements themselves, and the store's
 * queries are a small fixed set of SQL texts. Reuse is safe: the driver runs one statement at a
 * time on the single connection and never streams ours (a statement only stays busy while
 * iterated). That every statement passes here just before it runs is what makes the savepoint
 * lazy: a statement that may write (`readonly` false, UPDATE … RETURNING included, though it
 * answers rows like a read) takes it.
 */
export function withStatementCache(
  db: BetterSqlite3.Database,
  maxStatements = 256,
): { database: SqliteDatabase; savepoints: JobSavepoints } {
  const cache = new Map<string, SqliteStatement & { readonly readonly?: boolean }>();
  let armed = false;
  let take = true;
  let saved = false;
  let taken = 0;
  const control = (text: string) => {
    const st = db.prepare(text);
    return () => void st.run();
  };
  const savepoint = control(JOB_SAVEPOINT.take);
  const release = control(JOB_SAVEPOINT.release);
  const rollBackTo = control(JOB_SAVEPOINT.rollBackTo);
  const database: SqliteDatabase = {
    close: () => {
      cache.clear();
      db.close();
    },
    prepare(sqlText: string): SqliteStatement {
      let stmt = cache.get(sqlText);
      if (!stmt) {
        stmt = db.prepare(sqlText);
        // Ad-hoc SQL (migrations, tests) must not grow the cache without bound.
        if (cache.size >= maxStatements) cache.delete(cache.keys().next().value as string);
        cache.set(sqlText, stmt);
      }
      if (armed && stmt.readonly === false) {
        armed = false;
        saved = true;
        if (take) {
          savepoint();
          taken++;
        }
      }
      return stmt;
    },
  };
  const savepoints: JobSavepoints = {
    arm(takeSavepoint = true) {
      armed = true;
      take = takeSavepoint;
      saved = false;
    },
    disarm() {
      armed = false;
      return saved;
    },
    rollBack() {
      rollBackTo();
      release();
    },
    release,
    inTransaction: () => db.inTransaction,
    get taken() {
      return taken;
    },
  };
  return { database, savepoints };
}
