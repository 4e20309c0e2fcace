import { sql, type Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { ServerState } from '../../src/domain/server.js';
import { migrateDatabase } from '../../src/store/create-db.js';
import type { Database } from '../../src/store/db-schema.js';
import { insertEvents } from '../../src/store/event-queries.js';
import { openDatabase } from '../../src/store/open-database.js';
import { insertServer, recordHeartbeatByIp } from '../../src/store/server-queries.js';
import { startOnReadyServer } from '../../src/store/warm-start-queries.js';
import { adminQuery, freshPgSchema } from '../helpers/databases.js';
import { makeServer } from './fixtures.js';

/*
 * Issue 22 (speed): PostgreSQL parsed and planned a warm start's statement anew for every start
 * (0.55 ms of planning beside 1.2 ms of execution, pg_stat_statements). The hot statements run
 * as named prepared statements now (src/store/pg-prepared.ts): parsed once per connection, and
 * run on a generic plan once PostgreSQL has settled on one. A migration by another replica that
 * changes a prepared statement's rows fails it once at most, and not at all outside a transaction.
 */
let db: Kysely<Database> | null = null;
let drop: (() => Promise<void>) | null = null;
afterEach(async () => {
  await db?.destroy();
  await drop?.();
  db = null;
  drop = null;
});

/** A migrated fresh schema on a pool of ONE connection (so every call shares its prepared statements). */
async function oneConnection(preparedStatements = true): Promise<{ db: Kysely<Database>; schema: string }> {
  const s = await freshPgSchema();
  drop = s.drop;
  await migrateDatabase({ kind: 'postgres', url: s.url });
  db = openDatabase({ kind: 'postgres', url: s.url, pool: { max: 1, preparedStatements } }).db;
  return { db, schema: s.name };
}

const prepared = async (d: Kysely<Database>) =>
  (
    await sql<{ statement: string; generic_plans: number; custom_plans: number }>`
      SELECT statement, generic_plans::int, custom_plans::int FROM pg_prepared_statements`.execute(d)
  ).rows;

describe('hot statements on PostgreSQL', () => {
  it('a warm start runs prepared: parsed once per connection, then on a generic plan (not planned per start)', async () => {
    const { db } = await oneConnection();
    const now = Date.now();
    for (let i = 0; i < 12; i++)
      await insertServer(
        db,
        makeServer({ id: `s${i}`, state: ServerState.Ready, ip: `10.0.0.${i + 1}`, readyAtMs: now + i }),
      );
    for (let i = 0; i < 10; i++) {
      const done = await startOnReadyServer(db, {
        nowMs: now,
        region: 'local',
        fresh: () => ({ id: `x${i}`, code: `C${i}` }),
      });
      expect(done?.server.id).toBe(`s${i}`);
    }
    const warm = (await prepared(db)).filter((p) => /^with "claimed" as \(update "servers"/.test(p.statement));
    expect(warm).toHaveLength(1);
    expect(warm[0]!.custom_plans + warm[0]!.generic_plans).toBe(10);
    // PostgreSQL plans the first five executions for their values, then keeps the generic plan.
    expect(warm[0]!.generic_plans).toBeGreaterThanOrEqual(5);
  });

  it('a batch of events too large for a kept statement is not prepared (a connection would keep every size)', async () => {
    const { db } = await oneConnection();
    const event = (i: number) => ({
      atMs: i,
      kind: 'test' as never,
      serverId: null,
      sessionId: null,
      data: {} as never,
    });
    await db.transaction().execute((tx) => insertEvents(tx, 'postgres', [event(1)]));
    await db.transaction().execute((tx) =>
      insertEvents(
        tx,
        'postgres',
        Array.from({ length: 20 }, (_, i) => event(i)),
      ),
    );
    const texts = (await prepared(db)).map((p) => p.statement);
    expect(texts.filter((t) => /^insert into "events"/.test(t))).toHaveLength(1);
  });

  it('PG_PREPARED_STATEMENTS=false (a pooler that cannot keep them): nothing is prepared', async () => {
    const { db } = await oneConnection(false);
    await insertServer(db, makeServer({ id: 'a', state: ServerState.Ready, ip: '10.0.2.1' }));
    for (let i = 0; i < 3; i++) expect(await recordHeartbeatByIp(db, 'postgres', '10.0.2.1', i, i)).not.toBeNull();
    expect(await prepared(db)).toEqual([]);
  });

  it('a migration that changes a RETURNING * meanwhile: outside a transaction the call is re-prepared at once; inside one it fails once', async () => {
    const { db, schema } = await oneConnection();
    await insertServer(db, makeServer({ id: 'a', state: ServerState.Ready, ip: '10.0.1.1' }));
    expect((await recordHeartbeatByIp(db, 'postgres', '10.0.1.1', 1, 1))?.players).toBe(1);
    await adminQuery('ALTER TABLE servers ADD COLUMN added_by_a_newer_replica integer', schema);
    expect((await recordHeartbeatByIp(db, 'postgres', '10.0.1.1', 2, 2))?.players).toBe(2);
    await adminQuery('ALTER TABLE servers ADD COLUMN and_another integer', schema);
    const inTx = db.transaction().execute((tx) => recordHeartbeatByIp(tx, 'postgres', '10.0.1.1', 3, 3));
    await expect(inTx).rejects.toThrow(/cached plan must not change result type/);
    expect(
      (await db.transaction().execute((tx) => recordHeartbeatByIp(tx, 'postgres', '10.0.1.1', 4, 4)))?.players,
    ).toBe(4);
  });
});
