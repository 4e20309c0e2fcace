import path from 'node:path';
import type { Config } from '../config.js';

/** The error's code and message, whatever was thrown. */
function describe(err: unknown): { code: string | undefined; message: string } {
  const e = err as { code?: unknown; message?: unknown };
  return { code: typeof e?.code === 'string' ? e.code : undefined, message: String(e?.message ?? err) };
}

/** What an SQLite or file-system failure on the database path means, in words a user can act on. */
const DB_HINTS: Record<string, string> = {
  SQLITE_CANTOPEN: 'the file cannot be opened or created there (a missing or unwritable directory?)',
  SQLITE_READONLY:
    'the file (or its directory, where SQLite writes its -wal and -shm files) is read-only for this user',
  SQLITE_NOTADB: 'the file is not an SQLite database',
  EACCES: 'permission denied for this user',
  EPERM: 'operation not permitted for this user',
  EEXIST: 'a part of the path exists and is a file, not a directory',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EROFS: 'the file system is read-only',
};

/**
 * An error naming DB_PATH, the path, what was tried and what failed: `unable to open database
 * file` or `EEXIST … mkdir '/etc/passwd'` alone named neither the variable nor the file.
 */
export function dbPathError(dbPath: string, tried: string, err: unknown): Error {
  const { code, message } = describe(err);
  const hint = code && DB_HINTS[code] ? `${DB_HINTS[code]}: ` : '';
  return new Error(
    `DB_PATH=${dbPath} (${path.resolve(dbPath)}): could not ${tried}: ${hint}${message}. ` +
      'Set DB_PATH to a file in a directory this user can write, or fix the permissions.',
  );
}

/** Whether an error came from SQLite or the file system rather than from our own code. */
function isDbPathFailure(code: string | undefined): boolean {
  return code !== undefined && (code.startsWith('SQLITE_') || code in DB_HINTS);
}

/**
 * Opening the database (createOrchestrator): a failure on the SQLite path is reworded by
 * dbPathError; anything else passes through as it was.
 */
export async function explainDatabaseStart<T>(db: Config['db'], open: () => Promise<T>): Promise<T> {
  try {
    return await open();
  } catch (err) {
    if (db.kind !== 'sqlite' || !isDbPathFailure(describe(err).code)) throw err;
    throw dbPathError(db.path, 'open the database and bring its schema up to date', err);
  }
}

/** Listening: a port in use or not allowed names PORT and HOST and what to change. */
export async function explainListen(cfg: Pick<Config, 'host' | 'port'>, listen: () => Promise<unknown>): Promise<void> {
  try {
    await listen();
  } catch (err) {
    const { code, message } = describe(err);
    const where = `PORT=${cfg.port} (HOST=${cfg.host})`;
    if (code === 'EADDRINUSE')
      throw new Error(
        `${where}: could not listen on ${cfg.host}:${cfg.port}: another process is using that port (${message}). ` +
          'Stop it, or set PORT to a free port.',
      );
    if (code === 'EACCES')
      throw new Error(
        `${where}: could not listen on ${cfg.host}:${cfg.port}: permission denied (ports below 1024 need privileges). ` +
          'Set PORT to 1024 or above.',
      );
    if (code === 'EADDRNOTAVAIL')
      throw new Error(
        `${where}: could not listen on ${cfg.host}:${cfg.port}: this machine has no such address. ` +
          'Set HOST to one of its addresses (0.0.0.0 for all).',
      );
    throw err;
  }
}
