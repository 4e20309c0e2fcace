import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres-server.js';
import { startService, waitFor, type RunningService } from '../helpers/processes.js';
import { signedHeaders } from '../helpers/sign.js';
import { post, type HttpAnswer } from './crash-http.js';

/*
 * Two replicas on a private PostgreSQL (never the machine's shared one) and the DigitalOcean
 * emulator, starts flowing, while the database is frozen (SIGSTOP of the postmaster and
 * its backends), resumed, stopped (`pg_ctl stop -m fast`) and started again. Both replicas must
 * ride through it and serve again afterwards.
 */
const KEY = 'pg-outage-key';
const ADMIN = 'pg-outage-admin';
const FREEZE_MS = Number(process.env.E2E_FREEZE_MS ?? 6000);
const DOWN_MS = Number(process.env.E2E_DOWN_MS ?? 4000);

let emu: RunningEmulator;
let db: TestPostgres;
const replicas: RunningService[] = [];

beforeAll(async () => {
  emu = await startEmulator({ bootDelayMs: 50, dropletLimit: 1000, burstPerMinute: 50_000, logger: false });
  db = await startTestPostgres();
  const env = {
    DATABASE_URL: db.url,
    PROVIDER: 'digitalocean',
    DIGITALOCEAN_TOKEN: 'dop_v1_outage',
    SNAPSHOT_ID: '7555620',
    DO_API_URL: emu.url,
    READINESS: 'address',
    INTERNAL_HMAC_KEY: KEY,
    ADMIN_TOKEN: ADMIN,
    MAX_SERVERS: '500',
    START_TIMEOUT_S: '30',
    START_RATE_LIMIT_PER_MIN: '0',
    SESSIONS_PER_ADDRESS: '0',
    JOIN_FAIL_LIMIT_PER_MIN: '0',
    RECONCILE_INTERVAL_S: '0.3',
    PG_LEADER_TIMEOUT_MS: '1000',
    DO_RETRY_BASE_MS: '20',
    HEARTBEAT_PERIOD_S: '86400',
    BOOT_TIMEOUT_S: '86400',
    SESSION_IDLE_TIMEOUT_S: '86400',
    // Waiting starts renew a 2 s lease: a freeze outlasts it, so the sweep finds leases run out.
    LEASE_S: '2',
    // Client-side bounds: a frozen database cannot enforce statement_timeout.
    PG_CONNECT_TIMEOUT_MS: '1000',
    PG_QUERY_TIMEOUT_MS: '1000',
    READYZ_TIMEOUT_MS: '1000',
    RECYCLE_SERVERS: 'false',
    LOG_LEVEL: 'warn',
  };
  for (let i = 0; i < 2; i++) replicas.push(await startService(['serve'], env));
}, 120_000);

afterAll(async () => {
  if (process.env.E2E_DEBUG) for (const r of replicas) console.log(r.output().slice(-4000));
  db?.thaw();
  for (const r of replicas) if (r.proc.exitCode === null && r.proc.signalCode === null) r.proc.kill('SIGTERM');
  await Promise.all(replicas.map((r) => Promise.race([r.exited, new Promise((res) => setTimeout(res, 15_000))])));
  for (const r of replicas) if (r.proc.exitCode === null && r.proc.signalCode === null) r.proc.kill('SIGKILL');
  await emu?.close();
  await db?.stop();
}, 60_000);

function alive(r: RunningService): boolean {
  return r.proc.exitCode === null && r.proc.signalCode === null;
}

async function leads(r: RunningService): Promise<boolean> {
  const res = await fetch(`${r.url}/v1/status`, { headers: { authorization: `Bearer ${ADMIN}` } });
  return ((await res.json()) as { reconciler: { leadership: { leader: boolean } } }).reconciler.leadership.leader;
}

function outputs(): string {
  return replicas.map((r) => r.output().slice(-1500)).join('\n----\n');
}

/** The address of a live session's server (for heartbeats during the outage). */
async function someAddress(): Promise<string> {
  const start = await post(`${replicas[0]!.url}/sessions/start`, {}, '', 60_000);
  expect(start.status).toBe(200);
  return (JSON.parse(start.body) as { ip_address: string }).ip_address;
}

/**
 * While the database is out, each replica answers a start, a heartbeat, an end and /readyz with
 * 503 and Retry-After (readyz: 503) instead of hanging or a bare 500. The request's own bound
 * is generous (15 s against 1 s client-side timeouts): the test waits on the answer.
 */
async function expectOutageAnswers(phase: string, ip: string): Promise<void> {
  for (const r of replicas) {
    const body = JSON.stringify({ droplet_ip: ip, connected_clients: 1 });
    const hb = { 'content-type': 'application/json', ...signedHeaders(KEY, 'POST', '/server/heartbeat', body) };
    const endPath = `/server/end?droplet_ip=${encodeURIComponent(ip)}`;
    const answers = await Promise.all([
      post(`${r.url}/sessions/start`, {}, '', 15_000),
      post(`${r.url}/server/heartbeat`, hb, body, 15_000),
      post(`${r.url}${endPath}`, signedHeaders(KEY, 'POST', endPath), '', 15_000),
    ]);
    expect(answers.map((a) => [phase, a.status, Number(a.headers['retry-after']) >= 1])).toEqual(
      Array(3).fill([phase, 503, true]),
    );
    const ready = await fetch(`${r.url}/readyz`, { signal: AbortSignal.timeout(15_000) });
    expect([phase, ready.status]).toEqual([phase, 503]);
  }
}

/** A start on replica `i`: its answer, or the error of a broken request; never throws. */
async function startOn(i: number): Promise<HttpAnswer | Error> {
  const r = replicas[i % replicas.length]!;
  return await post(`${r.url}/sessions/start`, {}, '', 60_000).catch((e: Error) => e);
}

/** Traffic from `workers` loops until stop() is called; resolves with every answer. */
function traffic(workers: number) {
  let running = true;
  let n = 0;
  const answers: (HttpAnswer | Error)[] = [];
  const loops = Array.from({ length: workers }, async () => {
    while (running) answers.push(await startOn(n++));
  });
  return {
    answers,
    async stop() {
      running = false;
      await Promise.all(loops);
      return answers;
    },
  };
}

describe('e2e: two replicas through a frozen, then stopped and restarted PostgreSQL', () => {
  it('both replicas stay up and serve starts afterwards', async () => {
    const load = traffic(6);
    await waitFor(
      'starts flowing',
      () => load.answers.filter((a) => !(a instanceof Error) && a.status === 200).length >= 10,
      60_000,
    );

    const ip = await someAddress();
    db.freeze();
    await new Promise((r) => setTimeout(r, FREEZE_MS / 2));
    await expectOutageAnswers('frozen', ip);
    await new Promise((r) => setTimeout(r, FREEZE_MS / 2));
    db.thaw();
    await db.halt();
    await expectOutageAnswers('stopped', ip);
    await new Promise((r) => setTimeout(r, DOWN_MS));
    expect(replicas.map(alive), outputs()).toEqual([true, true]);
    await db.restart();

    // Each replica serves a start again (bounded generously: reconnects, a new lead).
    for (const i of replicas.keys())
      await waitFor(
        `replica ${i} serving after the restart`,
        async () => {
          const start = await startOn(i);
          return !(start instanceof Error) && start.status === 200;
        },
        60_000,
        200,
      );
    // Every answer during the outage was a 200 or a 503 with Retry-After, never a 500.
    const answers = await load.stop();
    const bad = answers.filter(
      (a) => a instanceof Error || (a.status !== 200 && !(a.status === 503 && a.headers['retry-after'])),
    );
    expect(bad.map((a) => (a instanceof Error ? a.message : `${a.status} ${a.body}`))).toEqual([]);
    expect(replicas.map(alive), outputs()).toEqual([true, true]);
    // The lock connection died with the database: the lead was given up and taken again by one replica.
    // A session answered to a client is never ended by the lease sweep, and no server was
    // handed to two sessions (servers are not recycled here: one session per server, ever).
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      const swept = await c.query(
        `SELECT id FROM sessions WHERE end_reason = 'abandoned' AND activated_at IS NOT NULL`,
      );
      expect(swept.rows).toEqual([]);
      const shared = await c.query(
        `SELECT server_id FROM sessions WHERE server_id IS NOT NULL GROUP BY server_id HAVING count(*) > 1`,
      );
      expect(shared.rows).toEqual([]);
    } finally {
      await c.end();
    }
    await waitFor(
      'exactly one leader again',
      async () => (await Promise.all(replicas.map(leads))).filter(Boolean).length === 1,
      30_000,
      100,
    );
  }, 240_000);
});
