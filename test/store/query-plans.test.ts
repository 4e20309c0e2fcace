import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, type CompiledQuery } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/store/db-schema.js';
import { runMigrations } from '../../src/store/migrate.js';
import {
  claimReadyServer,
  findActiveServerByIp,
  insertServer,
  recordHeartbeatByIp,
} from '../../src/store/server-queries.js';
import { assignOldestPending } from '../../src/store/pending-assignment.js';
import {
  findJoinAddress,
  findLiveSessionByCode,
  insertSession,
  listSessionsStartedSince,
} from '../../src/store/session-queries.js';
import { listServersPaged, listSessionsPaged } from '../../src/store/paged-listing.js';
import { LIVE_SERVER_STATES } from '../../src/domain/server.js';
import { SessionState } from '../../src/domain/session.js';
import { makeServer, makeSession, T0 } from './fixtures.js';

/**
 * The hot paths must be one indexed lookup. SQLite only uses a partial index when the query
 * repeats its predicate, which is easy to break silently: this reads the real plans.
 */
describe('SQLite query plans of the hot paths', () => {
  let raw: BetterSqlite3.Database;
  let db: Kysely<Database>;
  let captured: CompiledQuery[];

  beforeEach(async () => {
    raw = new BetterSqlite3(':memory:');
    captured = [];
    db = new Kysely<Database>({
      dialect: new SqliteDialect({ database: raw }),
      log: (e) => void captured.push(e.query),
    });
    await runMigrations(db, 'sqlite');
    captured = [];
  });
  afterEach(async () => {
    await db.destroy();
  });

  function planOfLastQuery(): string {
    const q = captured.at(-1);
    if (!q) throw new Error('no query ran');
    const rows = raw.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all(...(q.parameters as unknown[])) as { detail: string }[];
    return rows.map((r) => r.detail).join(' | ');
  }

  it.each([
    ['findActiveServerByIp', () => findActiveServerByIp(db, 'sqlite', '10.0.0.1'), /USING INDEX servers_active_ip_uq/],
    [
      'recordHeartbeatByIp',
      () => recordHeartbeatByIp(db, 'sqlite', '10.0.0.1', 3, 1),
      /USING INDEX servers_active_ip_uq/,
    ],
    ['findLiveSessionByCode', () => findLiveSessionByCode(db, 'sqlite', 'ABCDEF'), /USING INDEX sessions_live_code_uq/],
    [
      'findJoinAddress',
      () => findJoinAddress(db, 'sqlite', 'ABCDEF'),
      /SEARCH s USING INDEX sessions_live_code_uq.*SEARCH sv USING INDEX sqlite_autoindex_servers_1/,
    ],
    [
      'claimReadyServer',
      () => claimReadyServer(db, 'sqlite', 1),
      /SEARCH servers USING (COVERING )?INDEX servers_state_ready_at_idx \(state=\?\)/,
    ],
    [
      'claimReadyServer(region)',
      () => claimReadyServer(db, 'sqlite', 1, undefined, 'nyc3'),
      /SEARCH servers USING (COVERING )?INDEX servers_region_ready_idx \(region=\?\)/,
    ],
    [
      'assignOldestPending',
      () => assignOldestPending(db, 'sqlite', 's1', 1),
      // The fair queue ranks each pending session by its holder's servers: index lookups only.
      // Only the server's region's pending sessions (migration 0011's partial index).
      /SEARCH p USING (COVERING )?INDEX sessions_pending_region_idx \(region=\?\).*SEARCH s USING INDEX .*SEARCH mine USING INDEX .*SEARCH theirs USING INDEX session_holders_holder_idx/,
    ],
    [
      'listSessionsStartedSince',
      () => listSessionsStartedSince(db, 1),
      /SEARCH sessions USING INDEX sessions_state_created_at_idx \(state=\? AND created_at>\?\)/,
    ],
  ])('%s uses its index and scans no table', async (_name, run, expected) => {
    await run();
    const plan = planOfLastQuery();
    expect(plan).toMatch(expected);
    expect(plan).not.toMatch(/\bSCAN (servers|sessions|s|sv|live)\b(?! USING)/);
  });

  it.each([
    [
      'servers',
      () => listServersPaged(db, 'sqlite', LIVE_SERVER_STATES, 2),
      /SEARCH servers USING INDEX servers_live_created_at_idx \(\(created_at,id\)>\(\?,\?\)\)/,
    ],
    [
      'sessions',
      () => listSessionsPaged(db, 'sqlite', [SessionState.Pending, SessionState.Active], 2),
      /SEARCH sessions USING INDEX sessions_live_created_at_idx \(\(created_at,id\)>\(\?,\?\)\)/,
    ],
  ])(
    "the reconciler's paged listing of live %s reads each page as a range of the live index, sorting nothing",
    async (_name, run, expected) => {
      // 5 rows made in the same millisecond, pages of 2: the last query is a page after a key
      // that ties on created_at (the seek must be on (created_at, id), not created_at alone).
      for (let i = 0; i < 5; i++) {
        const server = makeServer({
          id: `00000000-0000-4000-8000-00000000000${i}`,
          ip: `10.0.0.${i + 1}`,
          state: 'allocated',
          createdAtMs: T0,
        });
        await insertServer(db, server);
        await insertSession(
          db,
          'sqlite',
          makeSession({
            id: `10000000-0000-4000-8000-00000000000${i}`,
            code: `CODE${i}A`,
            serverId: server.id,
            state: 'active',
            createdAtMs: T0,
          }),
        );
      }
      captured = [];
      expect(await run()).toHaveLength(5);
      const plan = planOfLastQuery();
      expect(plan).toMatch(expected);
      expect(plan).not.toMatch(/TEMP B-TREE/);
    },
  );

  it("the boot watcher's listing of booting servers (every second) finds them by state, not by reading every live row", async () => {
    await listServersPaged(db, 'sqlite', ['creating', 'starting']);
    expect(planOfLastQuery()).toMatch(/SEARCH servers USING INDEX servers_state_ready_at_idx \(state=\?\)/);
  });
});
