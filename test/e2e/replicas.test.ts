import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { freshPgSchema } from '../helpers/databases.js';
import { startService, waitFor, type RunningService } from '../helpers/processes.js';
import { signedHeaders } from '../helpers/sign.js';
import { post } from './crash-http.js';

/*
 * Three orchestrator processes on one PostgreSQL and the DigitalOcean emulator, as production
 * runs them behind Caddy: starts spread over every replica, one cap, one replay cache, one
 * reconciler; then the leader dies by SIGKILL and another takes over while sessions go on.
 */
const KEY = 'replicas-e2e-key';
const ADMIN = 'replicas-admin';
const STARTS = Number(process.env.E2E_STARTS ?? 300);
const INTERVAL_S = 0.5;

let emu: RunningEmulator;
let schema: { url: string; drop(): Promise<void> };
const replicas: RunningService[] = [];

beforeAll(async () => {
  emu = await startEmulator({
    bootDelayMs: 300,
    dropletLimit: 1000,
    burstPerMinute: 5000,
    rateLimitPerHour: 50_000,
    logger: false,
  });
  schema = await freshPgSchema();
  const env = {
    DATABASE_URL: schema.url,
    PROVIDER: 'digitalocean',
    DIGITALOCEAN_TOKEN: 'dop_v1_replicas',
    SNAPSHOT_ID: '7555620',
    DO_API_URL: emu.url,
    READINESS: 'address',
    INTERNAL_HMAC_KEY: KEY,
    ADMIN_TOKEN: ADMIN,
    MAX_SERVERS: String(STARTS),
    // The burst of 300 took 96 s on this machine after the 2026-12-07 merges (to be looked into): room for it.
    START_TIMEOUT_S: '140',
    START_RATE_LIMIT_PER_MIN: '0',
    SESSIONS_PER_ADDRESS: '0',
    // The ends and heartbeats here are signed with the shared key, as an image from before per-server credentials.
    SHARED_KEY_DRIVES_MANAGED: 'true',
    // 310 starts at once queue for 3 × 10 pool connections; on a loaded machine a queued request may wait past
    // the 5 s default, which answers 503 as an outage would. This test is about the burst, not outages.
    PG_CONNECT_TIMEOUT_MS: '60000',
    PG_QUERY_TIMEOUT_MS: '60000',
    JOIN_FAIL_LIMIT_PER_MIN: '0',
    RECONCILE_INTERVAL_S: String(INTERVAL_S),
    MAX_CREATES_PER_PASS: '50',
    MAX_DELETES_PER_PASS: '50',
    DO_RETRY_BASE_MS: '20',
    // Emulated droplets run no game: nothing heartbeats, so reaping deadlines are pushed out of the run.
    HEARTBEAT_PERIOD_S: '86400',
    BOOT_TIMEOUT_S: '86400',
    SESSION_IDLE_TIMEOUT_S: '86400',
    LOG_LEVEL: 'warn',
  };
  // One after another: the first migrates the schema, the others find it current.
  for (let i = 0; i < 3; i++) replicas.push(await startService(['serve'], env));
}, 120_000);

afterAll(async () => {
  if (process.env.E2E_DEBUG) for (const r of replicas) console.log(r.output().slice(-3000));
  for (const r of replicas) if (r.proc.exitCode === null && r.proc.signalCode === null) r.proc.kill('SIGTERM');
  await Promise.all(replicas.map((r) => Promise.race([r.exited, new Promise((res) => setTimeout(res, 15_000))])));
  for (const r of replicas) if (r.proc.exitCode === null && r.proc.signalCode === null) r.proc.kill('SIGKILL');
  await emu?.close();
  await schema?.drop();
}, 60_000);

type LeadershipView = { replica: string; leader: boolean; leaderReplica: string | null; leaderSinceMs: number | null };

async function leadership(r: RunningService): Promise<LeadershipView> {
  const res = await fetch(`${r.url}/v1/status`, { headers: { authorization: `Bearer ${ADMIN}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { reconciler: { leadership: LeadershipView } }).reconciler.leadership;
}

function end(r: RunningService, ip: string) {
  const path = `/server/end?droplet_ip=${encodeURIComponent(ip)}`;
  return post(`${r.url}${path}`, signedHeaders(KEY, 'POST', path));
}

describe('e2e: three replicas on one PostgreSQL (DigitalOcean emulator)', () => {
  const sessions: { ip_address: string; share_tag: string }[] = [];

  it(`${STARTS} + 10 concurrent starts over three replicas with MAX_SERVERS=${STARTS}: ${STARTS} distinct servers and codes, one droplet each; the 10 over the cap get 503`, async () => {
    const replies = await Promise.all(
      Array.from({ length: STARTS + 10 }, (_, i) => post(`${replicas[i % 3]!.url}/sessions/start`, {}, '', 150_000)),
    );
    const ok = replies.filter((r) => r.status === 200);
    const refused = replies.filter((r) => r.status === 503);
    expect(replies.filter((r) => r.status !== 200 && r.status !== 503).map((r) => `${r.status} ${r.body}`)).toEqual([]);
    expect(ok).toHaveLength(STARTS);
    expect(refused).toHaveLength(10);
    for (const r of refused) expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    for (const r of ok) sessions.push(JSON.parse(r.body));
    expect(new Set(sessions.map((s) => s.ip_address)).size).toBe(STARTS);
    expect(new Set(sessions.map((s) => s.share_tag)).size).toBe(STARTS);
    // No machine created twice, and the cap held across replicas: exactly one droplet per start.
    const droplets = emu.droplets();
    expect(droplets).toHaveLength(STARTS);
    expect(new Set(droplets.map((d) => d.name)).size).toBe(STARTS);
    // Codes join on every replica.
    for (const [i, s] of sessions.slice(0, 30).entries()) {
      const join = await post(`${replicas[i % 3]!.url}/sessions/join?game_tag=${s.share_tag.toLowerCase()}`);
      expect(join.status).toBe(200);
      expect(JSON.parse(join.body)).toEqual({ ip_address: s.ip_address });
    }
  }, 300_000);

  it('a signature one replica accepted is refused as a replay by the others', async () => {
    const ip = sessions[0]!.ip_address;
    const body = JSON.stringify({ droplet_ip: ip, connected_clients: 3 });
    const headers = { 'content-type': 'application/json', ...signedHeaders(KEY, 'POST', '/server/heartbeat', body) };
    expect((await post(`${replicas[0]!.url}/server/heartbeat`, headers, body)).status).toBe(200);
    expect((await post(`${replicas[1]!.url}/server/heartbeat`, headers, body)).status).toBe(401);
    expect((await post(`${replicas[2]!.url}/server/heartbeat`, headers, body)).status).toBe(401);
  });

  it('exactly one replica leads; SIGKILL of the leader mid-fleet: another leads within two intervals, sessions go on, no droplet deleted twice or leaked', async () => {
    const views = await Promise.all(replicas.map(leadership));
    const leaders = views.filter((v) => v.leader);
    expect(leaders).toHaveLength(1);
    for (const v of views) expect(v.leaderReplica).toBe(leaders[0]!.replica);
    const leaderIdx = views.findIndex((v) => v.leader);
    const leader = replicas[leaderIdx]!;
    const others = replicas.filter((_, i) => i !== leaderIdx);

    // Half the games end (deletes in flight, the leader's passes busy), then the leader dies.
    const ending = sessions.slice(0, STARTS / 2);
    const ends = Promise.all(ending.map((s, i) => end(others[i % 2]!, s.ip_address)));
    leader.proc.kill('SIGKILL');
    const killedAt = Date.now();
    await leader.exited;
    expect((await ends).map((r) => r.status)).toEqual(Array(ending.length).fill(200));

    // Sessions keep being served by the survivors.
    const joins = await Promise.all(
      sessions
        .slice(STARTS / 2, STARTS / 2 + 30)
        .map((s, i) => post(`${others[i % 2]!.url}/sessions/join?game_tag=${s.share_tag}`)),
    );
    if (process.env.E2E_DEBUG && joins.some((j) => j.status !== 200)) {
      const bad = sessions
        .slice(STARTS / 2, STARTS / 2 + 30)
        .filter((_, i) => joins[i]!.status !== 200)
        .map((s) => s.share_tag);
      const c = new pg.Client({ connectionString: schema.url });
      await c.connect();
      console.log(
        '[replicas] failed joins',
        JSON.stringify(
          (
            await c.query(
              `SELECT s.code, s.state, s.end_reason, s.ended_at, v.state AS server_state, v.reason FROM sessions s LEFT JOIN servers v ON v.id = s.server_id WHERE s.code = ANY($1)`,
              [bad],
            )
          ).rows,
        ),
        'killed at',
        killedAt,
      );
      await c.end();
    }
    expect(joins.map((j) => j.status)).toEqual(Array(30).fill(200));
    // Another replica leads, within two reconcile intervals of the kill (its own record of when it took over).
    const newLeader = await waitFor(
      'a new leader',
      async () => {
        const v = await Promise.all(others.map(leadership));
        const l = v.filter((x) => x.leader);
        return l.length === 1 ? l[0] : null;
      },
      20_000,
      50,
    );
    const took = newLeader.leaderSinceMs! - killedAt;
    console.log(`[replicas] new leader ${took} ms after the SIGKILL (interval ${INTERVAL_S * 1000} ms)`);
    expect(took).toBeLessThanOrEqual(2 * INTERVAL_S * 1000);

    // The rest end too; every droplet gets deleted, each exactly once, none left behind.
    const rest = await Promise.all(sessions.slice(STARTS / 2).map((s, i) => end(others[i % 2]!, s.ip_address)));
    expect(rest.map((r) => r.status)).toEqual(Array(STARTS / 2).fill(200));
    await waitFor('every droplet deleted', () => emu.droplets().every((d) => d.deletedAtMs !== null), 60_000, 100);
    const deletes = emu.requestCounts()['DELETE /v2/droplets/{droplet_id}'] ?? 0;
    expect(emu.droplets()).toHaveLength(STARTS);
    expect(deletes).toBe(STARTS);
  }, 180_000);
});
