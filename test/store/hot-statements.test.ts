import BetterSqlite3 from 'better-sqlite3';
import { Kysely, sql, SqliteDialect } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { Database, DialectKind } from '../../src/store/db-schema.js';
import { insertEventsStatement } from '../../src/store/event-queries.js';
import { HotStatement, hotStatements } from '../../src/store/hot-statement.js';
import { SchemaScopedPostgresDialect } from '../../src/store/pg-schema-dialect.js';
// Importing the query modules makes their hot statements.
import '../../src/store/cache-queries.js';
import '../../src/store/holder-queries.js';
import '../../src/store/pending-assignment.js';
import '../../src/store/server-queries.js';
import '../../src/store/session-queries.js';
import '../../src/store/warm-start-queries.js';
import { testDatabaseUrl } from '../helpers/databases.js';

/*
 * The hot statements are built with the typed query builder (a column renamed in db-schema.ts
 * fails tsc) and compiled once per dialect: what they run is exactly what the store's own
 * dialects compile from that build, with PostgreSQL's placeholders numbered by Kysely, not
 * rewritten from `?` by a regular expression (which broke a `?` in a literal or jsonb operator).
 */
const sqliteDb = new Kysely<Database>({ dialect: new SqliteDialect({ database: new BetterSqlite3(':memory:') }) });
const pgDb = new Kysely<Database>({
  dialect: new SchemaScopedPostgresDialect({ pool: new pg.Pool({ connectionString: testDatabaseUrl(), max: 1 }) }),
});
const real: Record<DialectKind, Kysely<Database>> = { sqlite: sqliteDb, postgres: pgDb };
afterAll(async () => {
  await sqliteDb.destroy();
  await pgDb.destroy();
});

describe('hot statements', () => {
  insertEventsStatement(1);
  insertEventsStatement(2);
  const built = [...hotStatements()];

  it('are the store’s hot paths, each built with the builder', () => {
    expect(built.map((s) => s.name).sort()).toEqual([
      'assignOldestPending',
      'assignOldestPending(rankBelow)',
      'claimReadyServer',
      'claimReadyServer(region)',
      'countLiveHeld',
      'findActiveServerByIp',
      'findJoinAddress',
      'getIdempotentSession',
      'getServer',
      'holdSession',
      'insertEvents(1)',
      'insertEvents(2)',
      'insertSession',
      'leakHit',
      'leakLevel',
      'liveSessionByCode',
      'liveSessionByServer',
      'putIdempotencyKey',
      'recordHeartbeatByIp',
      'rememberSignature',
      'startOnReadyServer()',
      'startOnReadyServer(key)',
      'startOnReadyServer(region)',
      'startOnReadyServer(region, key)',
      'touchSessionPlayed',
    ]);
  });

  for (const kind of ['sqlite', 'postgres'] as const) {
    it(`run on ${kind} exactly what the ${kind} dialect compiles from their build, placeholders numbered by Kysely`, () => {
      for (const st of built) {
        const marks: unknown[] = [];
        const compiled = st.build(real[kind], (i) => (marks[i] ??= { i }) as never, kind).compile();
        expect(st.text(kind), st.name).toBe(compiled.sql);
        const n = compiled.parameters.length;
        expect(n, st.name).toBeGreaterThan(0);
        if (kind === 'sqlite') {
          expect(st.text(kind).split('?').length - 1, st.name).toBe(n);
          expect(st.text(kind), st.name).not.toMatch(/\$\d/);
        } else {
          expect(st.text(kind), st.name).not.toContain('?');
          for (let i = 1; i <= n; i++) expect(st.text(kind), st.name).toContain(`$${i}`);
        }
      }
    });
  }

  it('PostgreSQL: a `?` in a literal and the jsonb `?` operator are left alone', async () => {
    const probe = new HotStatement<[key: string, tail: string], { has: boolean; x: string }>('test: ? kept', (db, p) =>
      db.selectNoFrom([
        sql<boolean>`${sql.lit('{"a?": 1}')}::jsonb ? ${p(0)}`.as('has'),
        sql<string>`${sql.lit('who?')} || ${p(1)}`.as('x'),
      ]),
    );
    expect(await probe.rows(pgDb, 'postgres', ['a?', '!'])).toEqual([{ has: true, x: 'who?!' }]);
    expect(await probe.rows(pgDb, 'postgres', ['b', '?'])).toEqual([{ has: false, x: 'who??' }]);
  });

  it('SQLite: a `?` in a literal is left alone; a parameter used twice is bound twice', async () => {
    const probe = new HotStatement<[a: string, b: string], { x: string }>('test: ? kept, reused', (db, p) =>
      db.selectNoFrom([sql<string>`${p(1)} || ${sql.lit('who?')} || ${p(0)} || ${p(1)}`.as('x')]),
    );
    expect(await probe.rows(sqliteDb, 'sqlite', ['!', '>'])).toEqual([{ x: '>who?!>' }]);
  });

  it('refuses a constant bound as a parameter (SQLite matches partial indexes only against literals)', () => {
    expect(
      () =>
        new HotStatement<[id: string], { id: string }>('test: bound constant', (db, p) =>
          db.selectFrom('sessions').select('id').where('id', '=', p(0)).where('state', '<>', 'ended'),
        ),
    ).toThrow(/binds a constant \(placeholder 2\)/);
  });
});
