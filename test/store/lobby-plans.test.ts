import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, type CompiledQuery } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, DialectKind } from '../../src/store/db-schema.js';
import { claimLobbySeat, listLobbies, quickJoinCandidates } from '../../src/store/lobby-queries.js';
import { runMigrations } from '../../src/store/migrate.js';
import { SchemaScopedPostgresDialect } from '../../src/store/pg-schema-dialect.js';
import { freshPgSchema } from '../helpers/databases.js';

/**
 * A lobby listing and a quick join read sessions_lobby_idx (public, live, with room), never
 * the sessions table: both planners only use a partial index when the query repeats its
 * predicate, which is easy to break silently. This reads the real plans of the statements the
 * store runs. On PostgreSQL the table is tiny, so sequential scans are priced out
 * (enable_seqscan off): the question is whether the index CAN answer, which the predicate decides.
 */
const plans: Record<DialectKind, (q: CompiledQuery) => Promise<string>> = {} as never;
const dbs: Partial<Record<DialectKind, Kysely<Database>>> = {};
const captured: CompiledQuery[] = [];
let dropPg = async () => {};

beforeAll(async () => {
  const raw = new BetterSqlite3(':memory:');
  dbs.sqlite = new Kysely<Database>({
    dialect: new SqliteDialect({ database: raw }),
    log: (e) => void captured.push(e.query),
  });
  await runMigrations(dbs.sqlite, 'sqlite');
  plans.sqlite = async (q) =>
    (raw.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all(...(q.parameters as unknown[])) as { detail: string }[])
      .map((r) => r.detail)
      .join(' | ');
  const schema = await freshPgSchema();
  dropPg = schema.drop;
  const pool = new pg.Pool({ connectionString: schema.url, max: 1 });
  dbs.postgres = new Kysely<Database>({
    dialect: new SchemaScopedPostgresDialect({ pool }),
    log: (e) => void captured.push(e.query),
  });
  await runMigrations(dbs.postgres, 'postgres');
  plans.postgres = async (q) => {
    const c = await pool.connect();
    try {
      await c.query('SET enable_seqscan = off');
      const r = await c.query(`EXPLAIN ${q.sql}`, q.parameters as unknown[]);
      return r.rows.map((row: Record<string, string>) => Object.values(row)[0]).join(' | ');
    } finally {
      c.release();
    }
  };
});
afterAll(async () => {
  await dbs.sqlite?.destroy();
  await dbs.postgres?.destroy();
  await dropPg();
});

async function planOf(kind: DialectKind, run: (db: Kysely<Database>) => Promise<unknown>): Promise<string> {
  captured.length = 0;
  await run(dbs[kind] as Kysely<Database>);
  const q = captured.at(-1);
  if (!q) throw new Error('no query ran');
  return plans[kind](q);
}

const USES_INDEX: Record<DialectKind, RegExp> = {
  sqlite: /(SEARCH|SCAN) sessions USING INDEX sessions_lobby(_all)?_idx/,
  postgres: /Index (Only )?Scan using sessions_lobby(_all)?_idx on sessions/,
};

describe.each(['sqlite', 'postgres'] as const)('lobby query plans (%s)', (kind) => {
  it.each([
    ['a listing by mode', (db: Kysely<Database>) => listLobbies(db, { mode: 'duel', attributes: [], limit: 50 })],
    [
      'a listing by mode and attribute, after a cursor',
      (db: Kysely<Database>) =>
        listLobbies(db, {
          mode: 'duel',
          attributes: [['map', 'harbour']],
          after: { createdAtMs: 1, id: 'x' },
          limit: 50,
        }),
    ],
    ['a listing of every mode', (db: Kysely<Database>) => listLobbies(db, { attributes: [], limit: 50 })],
    ["a quick join's candidates", (db: Kysely<Database>) => quickJoinCandidates(db, kind, 'duel', 4)],
    [
      "a quick join's candidates in one region",
      (db: Kysely<Database>) => quickJoinCandidates(db, kind, 'duel', 4, 'ams3'),
    ],
    [
      'a listing by mode in one region',
      (db: Kysely<Database>) => listLobbies(db, { mode: 'duel', region: 'ams3', attributes: [], limit: 50 }),
    ],
    ["a quick join's claim", (db: Kysely<Database>) => claimLobbySeat(db, kind, 'some-id')],
  ])('%s reads sessions_lobby_idx', async (_name, run) => {
    const plan = await planOf(kind, run);
    if (_name.includes('claim'))
      expect(plan).toMatch(kind === 'sqlite' ? /sqlite_autoindex_sessions_1|PRIMARY KEY|USING INDEX/ : /Index Scan/);
    else expect(plan).toMatch(USES_INDEX[kind]);
    expect(plan).not.toMatch(kind === 'sqlite' ? /\bSCAN sessions\b(?! USING)/ : /Seq Scan on sessions/);
  });
});
