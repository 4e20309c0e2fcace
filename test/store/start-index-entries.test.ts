import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator.js';
import { freshPgSchema } from '../helpers/databases.js';
import { heartbeat, testOrchestrator } from '../helpers/orchestrator.js';

/*
 * Issue 22 (speed), migration 0017: a warm start's claim cannot be a HOT update (it changes
 * servers.state, which indexes name), so the claimed row's new version is entered in every
 * index of servers whose predicate it meets, and the new session in every index of sessions:
 * each entry is a B-tree descent, page writes and WAL on the hottest path. This pins the
 * indexes a warm start writes to, on real PostgreSQL, and that the queries by state which the
 * state indexes serve still find them now that those indexes leave the started rows out.
 */

let orch: Orchestrator;
let client: pg.Client;
let drop: () => Promise<void>;

beforeAll(async () => {
  const s = await freshPgSchema();
  drop = s.drop;
  orch = await testOrchestrator({ DATABASE_URL: s.url, EVENTS_POLL_MS: '600000' });
  await orch.app.ready();
  client = new pg.Client({ connectionString: s.url });
  await client.connect();
});
afterAll(async () => {
  await client?.end();
  await orch?.close();
  await drop?.();
});

/** The indexes of `table` whose predicate the row `id` meets (every row is in an index with none). */
async function indexesHolding(table: 'servers' | 'sessions', id: string): Promise<string[]> {
  const { rows } = await client.query<{ name: string; pred: string | null }>(
    `SELECT c.relname AS name, pg_get_expr(i.indpred, i.indrelid) AS pred
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      WHERE i.indrelid = $1::regclass ORDER BY 1`,
    [table],
  );
  const out: string[] = [];
  for (const r of rows) {
    const hit = await client.query(`SELECT 1 FROM ${table} WHERE id = $1 AND (${r.pred ?? 'true'})`, [id]);
    if (hit.rowCount) out.push(r.name);
  }
  return out;
}

describe('a warm start on PostgreSQL writes index entries only where something looks the rows up', () => {
  it('the claimed server and the new session are in these indexes, and no others', async () => {
    expect((await heartbeat(orch.app, '198.51.100.20', 0)).statusCode).toBe(200);
    const r = await orch.app.inject({ method: 'POST', url: '/sessions/start' });
    expect(r.statusCode).toBe(200);
    const tag = r.json<{ share_tag: string }>().share_tag;
    const { rows } = await client.query<{ id: string; server_id: string }>(
      `SELECT id, server_id FROM sessions WHERE code = $1 AND state = 'active'`,
      [tag],
    );
    expect(rows).toHaveLength(1);
    // The claim: the key, the live address's uniqueness, and the two listings in (created_at, id).
    expect(await indexesHolding('servers', rows[0]!.server_id)).toEqual([
      'servers_active_ip_uq',
      'servers_created_at_id_idx',
      'servers_live_created_at_idx',
      'servers_pkey',
    ]);
    // The session: the key, a live code's and a live server's uniqueness, and the two listings.
    expect(await indexesHolding('sessions', rows[0]!.id)).toEqual([
      'sessions_created_at_id_idx',
      'sessions_live_code_uq',
      'sessions_live_created_at_idx',
      'sessions_live_server_uq',
      'sessions_pkey',
    ]);
  });

  /** The plan of `text` with sequential scans off: which index PostgreSQL can prove it may use. */
  async function plan(text: string): Promise<string> {
    await client.query('SET enable_seqscan = off');
    try {
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${text}`);
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    } finally {
      await client.query('RESET enable_seqscan');
    }
  }

  it.each([
    // The claim of the longest-ready server (no region).
    [
      `SELECT id FROM servers WHERE state = 'ready' AND players = 0 ORDER BY ready_at, id LIMIT 1`,
      /servers_state_ready_at_idx/,
    ],
    // The boot watcher's booting servers, every second; the reconciler's failed ones.
    [`SELECT * FROM servers WHERE state IN ('creating', 'starting')`, /servers_(state_ready_at_idx|active_ip_uq)/],
    [`SELECT * FROM servers WHERE state IN ('shutdown', 'unhealthy', 'error')`, /servers_state_ready_at_idx/],
    // The fair queue of pending sessions, and the history retention's ended ones.
    [
      `SELECT id FROM sessions WHERE state = 'pending' ORDER BY created_at, id LIMIT 1`,
      /sessions_state_created_at_idx/,
    ],
    [`SELECT count(*) FROM sessions WHERE state = 'ended'`, /sessions_/],
    // Active sessions and allocated servers: by the live listings' indexes.
    [`SELECT count(*) FROM sessions WHERE state = 'active'`, /sessions_live_created_at_idx/],
    [`SELECT count(*) FROM servers WHERE state = 'allocated'`, /servers_/],
  ])('%s reads an index (%s)', async (text, index) => {
    const p = await plan(text);
    expect(p).not.toMatch(/Seq Scan/);
    expect(p).toMatch(index);
  });
});
