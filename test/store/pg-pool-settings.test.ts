import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/store/open-database.js';
import { freshPgSchema } from '../helpers/databases.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('PostgreSQL pool settings from the configuration', () => {
  it('PG_STATEMENT_TIMEOUT_MS bounds every statement; PG_POOL_MAX caps the connections', async () => {
    const schema = await freshPgSchema();
    cleanups.push(schema.drop);
    const config = loadConfig({ DATABASE_URL: schema.url, PG_STATEMENT_TIMEOUT_MS: '200', PG_POOL_MAX: '2' });
    if (config.db.kind !== 'postgres') throw new Error('expected postgres');
    const { db } = openDatabase(config.db);
    cleanups.push(() => db.destroy());

    const { rows } = await sql<{ statement_timeout: string }>`SHOW statement_timeout`.execute(db);
    expect(rows[0]!.statement_timeout).toBe('200ms');
    await expect(sql`SELECT pg_sleep(2)`.execute(db)).rejects.toThrow(/statement timeout/);

    // Four concurrent statements through a pool of two: never more than two backends at once.
    const peak = await Promise.all(
      Array.from({ length: 4 }, () =>
        sql<{
          n: number;
        }>`SELECT pg_sleep(0.05), (SELECT count(*)::int FROM pg_stat_activity WHERE application_name = '' AND datname = current_database() AND backend_type = 'client backend' AND query LIKE '%pg_sleep(0.05)%') AS n`.execute(
          db,
        ),
      ),
    );
    expect(Math.max(...peak.map((r) => r.rows[0]!.n))).toBeLessThanOrEqual(2);
  });
});
