import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

/**
 * The PostgreSQL the tests use: TEST_DATABASE_URL when set, otherwise the one the run started
 * itself (test/global-setup.ts). The one place tests learn where PostgreSQL is.
 */
export function testDatabaseUrl(): string {
  const url = process.env.TEST_DATABASE_URL || inject('testDatabaseUrl');
  if (!url) throw new Error('no test PostgreSQL: run through vitest (test/global-setup.ts) or set TEST_DATABASE_URL');
  return url;
}

/** The test database's URL with search_path set to schema. */
export function pgUrlForSchema(schema: string): string {
  const base = testDatabaseUrl();
  return `${base}${base.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

/** Runs SQL on its own connection (in schema, when given): setup and teardown. */
export async function adminQuery(text: string, schema?: string): Promise<void> {
  const client = new pg.Client({ connectionString: schema ? pgUrlForSchema(schema) : testDatabaseUrl() });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** A fresh PostgreSQL schema for one test; the URL pins search_path to it. */
export async function freshPgSchema(): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE SCHEMA ${name}`);
  return { name, url: pgUrlForSchema(name), drop: () => adminQuery(`DROP SCHEMA ${name} CASCADE`) };
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
