import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const PG_BASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh PostgreSQL schema for one test file; the URL pins search_path to it. */
export async function freshPgSchema(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: PG_BASE_URL });
  await client.connect();
  await client.query(`CREATE SCHEMA ${name}`);
  await client.end();
  const url = `${PG_BASE_URL}${PG_BASE_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${name}`)}`;
  return {
    url,
    async drop() {
      const c = new pg.Client({ connectionString: PG_BASE_URL });
      await c.connect();
      await c.query(`DROP SCHEMA ${name} CASCADE`);
      await c.end();
    },
  };
}

/** The dialects every store-backed suite runs over. */
export const DIALECTS = ['sqlite', 'postgres'] as const;
export type Dialect = (typeof DIALECTS)[number];

/** Env for testOrchestrator selecting the dialect (a fresh schema for PostgreSQL). */
export async function dialectEnv(d: Dialect): Promise<{ env: Record<string, string>; cleanup(): Promise<void> }> {
  if (d === 'sqlite') return { env: { DB_PATH: ':memory:' }, cleanup: async () => {} };
  const s = await freshPgSchema();
  return { env: { DATABASE_URL: s.url }, cleanup: s.drop };
}
