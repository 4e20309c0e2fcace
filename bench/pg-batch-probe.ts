import { randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { cpuMs } from './cpu-usage.js';
import { fillWarmPool } from './warm-pool.js';

/*
 * `npx tsx bench/pg-batch-probe.ts [--url …] [--clients 8] [--starts 4000] [--batch 8]`: what
 * PostgreSQL would spend per warm start if one statement carried several starts. Not the
 * service's statement: a hand-written one of the same shape (the claim with SKIP LOCKED, the
 * sessions' INSERT, two events each), claiming `k` servers and starting `k` sessions at once,
 * run by --clients connections back to back; the CPU time of their backends (/proc) is divided
 * by the starts, for k = 1 and k = --batch, alternately, twice. A probe for the next step of
 * issue 22 (batching concurrent warm starts), not a test of the service.
 */

const statement = (k: number) => `WITH c AS (
    UPDATE servers SET state = 'allocated', updated_at = $1, state_changed_at = $1
     WHERE id IN (SELECT id FROM servers WHERE state = 'ready' AND players = 0
                   ORDER BY ready_at, id LIMIT ${k} FOR NO KEY UPDATE SKIP LOCKED)
       AND state = 'ready' RETURNING *),
  r AS (SELECT c.*, row_number() OVER (ORDER BY ready_at, id) AS ord FROM c),
  q AS (SELECT * FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS q(sid, code, ord)),
  s AS (INSERT INTO sessions (id, code, state, server_id, created_at, activated_at, last_played_at, fresh, region)
        SELECT q.sid, q.code, 'active', r.id, $1, $1, $1, 0, r.region FROM r JOIN q USING (ord)
        RETURNING id, server_id, code, region),
  e AS (INSERT INTO events (id, at_ms, kind, server_id, session_id, data)
        SELECT (pg_current_xact_id()::text::bigint << 12) + 2 * r.ord, $1, 'server.state_changed', r.id, NULL,
               json_build_object('from', 'ready', 'to', 'allocated', 'ip', r.ip)::text FROM r
        UNION ALL
        SELECT (pg_current_xact_id()::text::bigint << 12) + 2 * r.ord + 1, $1, 'session.started', s.server_id, s.id,
               json_build_object('code', s.code, 'region', s.region)::text FROM s JOIN r ON r.id = s.server_id
        RETURNING id)
  SELECT r.id, r.ip FROM r`;

async function run(base: string, k: number, clients: number, starts: number): Promise<void> {
  const schema = `batch_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const url = `${base}${base.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  try {
    await fillWarmPool({ kind: 'postgres', url }, starts + 2000);
    const cs = await Promise.all(
      Array.from({ length: clients }, async () => {
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        return c;
      }),
    );
    const pids = await Promise.all(
      cs.map(async (c) => Number((await c.query<{ p: number }>('SELECT pg_backend_pid() p')).rows[0]!.p)),
    );
    const go = (n: number) =>
      Promise.all(
        cs.map(async (c) => {
          for (let i = 0; i < n / clients / k; i++) {
            const ids = Array.from({ length: k }, () => randomUUID());
            const values = [Date.now(), ids, ids.map((x) => x.slice(0, 8))];
            const r = await c.query({ name: `batch${k}`, text: statement(k), values });
            if (r.rowCount !== k) throw new Error(`claimed ${r.rowCount} of ${k}`);
          }
        }),
      );
    await go(400);
    const cpu0 = cpuMs(pids);
    const t0 = performance.now();
    await go(starts);
    const ms = (cpuMs(pids) - cpu0) / starts;
    const wall = (performance.now() - t0) / starts;
    console.log(
      `${k} start(s) a statement, ${clients} clients: backend CPU ${ms.toFixed(3)} ms/start, wall ${wall.toFixed(3)} ms/start`,
    );
    await Promise.all(cs.map((c) => c.end()));
  } finally {
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string', default: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
      clients: { type: 'string', default: '8' },
      starts: { type: 'string', default: '4000' },
      batch: { type: 'string', default: '8' },
    },
  });
  for (let round = 0; round < 2; round++)
    for (const k of [1, Number(values.batch)]) await run(values.url, k, Number(values.clients), Number(values.starts));
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
