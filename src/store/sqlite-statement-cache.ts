import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * Wraps a better-sqlite3 database so Kysely's driver reuses prepared statements.
 *
 * Kysely's SQLite driver calls `prepare(sql)` for every query; preparing costs more than
 * running the small hot-path statements themselves, and the store's queries are a small
 * fixed set of SQL texts. Reuse is safe: the driver runs one statement at a time on the
 * single connection and never streams ours (a statement only stays busy while iterated).
 */
export function withStatementCache(db: BetterSqlite3.Database, maxStatements = 256): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => {
      cache.clear();
      db.close();
    },
    prepare(sqlText: string): SqliteStatement {
      const hit = cache.get(sqlText);
      if (hit) return hit;
      const stmt = db.prepare(sqlText);
      // Ad-hoc SQL (migrations, tests) must not grow the cache without bound.
      if (cache.size >= maxStatements) cache.delete(cache.keys().next().value as string);
      cache.set(sqlText, stmt);
      return stmt;
    },
  };
}
