import { mkdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Config } from '../config.js';
import { EXCLUSIVE_FILE_LOCK } from '../store/raw-sql.js';
import { dbPathError } from './startup-errors.js';

/** Lock handles held for the life of the process (a collected handle would let go of its lock). */
const held: BetterSqlite3.Database[] = [];

/**
 * One process per SQLite file: a second `npm start` on the same DB_PATH quietly took over
 * (the first one's sessions ended as server_lost, its servers' heartbeats were refused). The
 * lock is SQLite's own OS-level file lock (fcntl) on `<DB_PATH>.lock`, taken by an exclusive
 * transaction that is never committed: the kernel releases it when the process ends, SIGKILL
 * and crashes included, so a stale lock never blocks a restart. Throws a message naming
 * DB_PATH and PostgreSQL when another process holds it. No-op for PostgreSQL and ':memory:'.
 */
export function lockSqliteFile(db: Config['db']): void {
  if (db.kind !== 'sqlite' || db.path === ':memory:') return;
  const lockPath = `${path.resolve(db.path)}.lock`;
  let lock: BetterSqlite3.Database;
  try {
    mkdirSync(path.dirname(lockPath), { recursive: true });
    lock = new BetterSqlite3(lockPath, { timeout: 0 });
  } catch (err) {
    throw dbPathError(db.path, `create the directory and the lock file ${lockPath}`, err);
  }
  try {
    lock.pragma('locking_mode = EXCLUSIVE');
    lock.exec(EXCLUSIVE_FILE_LOCK);
  } catch (err) {
    lock.close();
    if ((err as { code?: string }).code !== 'SQLITE_BUSY') throw dbPathError(db.path, `lock ${lockPath}`, err);
    throw new Error(
      `DB_PATH=${db.path} is in use by another game-orchestrator process (it holds ${lockPath}). ` +
        'An SQLite file serves one process: stop the other one, or give this one its own DB_PATH. ' +
        'To run several replicas on one database, use PostgreSQL (DATABASE_URL=postgres://…; see docs/scaling.md).',
    );
  }
  held.push(lock);
}
