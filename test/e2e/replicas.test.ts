import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { freshPgSchema } from '../helpers/databases.js';
import { startService, waitFor, type RunningService } from '../helpers/processes.js';
import { signedHeaders } from '../helpers/sign.js';
import { post, ServerSigner } from './crash-http.js';

/*
 * Three orchestrator processes on one PostgreSQL and the DigitalOcean emulator, as production
 * runs them behind Caddy: starts spread over every replica, one cap, one replay cache, one
 * reconciler; then the leader dies by SIGKILL and another takes over while sessions go on.
 */
const KEY = 'replicas-e2e-key';
const ADMIN = 'replicas-admin';
const STARTS = Number(process.env.E2E_STARTS ?? 300);
const INTERVAL_S = 0.5;
/** The emulator holds every delete's answer this long while the leader is killed (its DELETEs stay unanswered). */
const DELETE_HOLD_MS = 4000;
/** The leader dies once at least this many of its deletes are in flight. */
const IN_FLIGHT_AT_KILL = 5;

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
    START_TIMEOUT_S: '90',
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

// Strictly increasing timestamps per address: an end sent again after the kill is not a replay.
const signer = new ServerSigner(KEY);

function end(r: RunningService, ip: string) {
  const path = `/server/end?droplet_ip=${encodeURIComponent(ip)}`;
  return post(`${r.url}${path}`, signer.headers(ip, 'POST', path));
}

/** Server rows not deleted yet ("id state provider_id"). */
async function liveServerRows(): Promise<string[]> {
  const c = new pg.Client({ connectionString: schema.url });
  await c.connect();
  try {
    const { rows } = await c.query<{ id: string; state: string; provider_id: string | null }>(
      `SELECT id, state, provider_id FROM servers WHERE state <> 'deleted'`,
    );
    return rows.map((r) => `${r.id} ${r.state} ${r.provider_id}`);
  } finally {
    await c.end();
  }
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

  it('exactly one replica leads; SIGKILL of the leader while the emulator holds its deletes unanswered: another leads, sessions go on, every droplet deleted exactly once, none leaked', async () => {
    const views = await Promise.all(replicas.map(leadership));
    const leaders = views.filter((v) => v.leader);
    expect(leaders).toHaveLength(1);
    for (const v of views) expect(v.leaderReplica).toBe(leaders[0]!.replica);
    const leaderIdx = views.findIndex((v) => v.leader);
    const leader = replicas[leaderIdx]!;
    const others = replicas.filter((_, i) => i !== leaderIdx);

    // Half the games end at the leader, which deletes each machine at once (and its passes
    // retry any left). The emulator deletes at once but holds every answer, so the leader dies
    // with deletes started and not finished: droplets gone, rows still in shutdown, nobody told.
    emu.setFaults({ deleteHoldMs: DELETE_HOLD_MS });
    const ending = sessions.slice(0, STARTS / 2);
    const ends = Promise.all(ending.map((s) => end(leader, s.ip_address).catch(() => null)));
    await waitFor('deletes in flight at the emulator', () => emu.deletes().inFlight >= IN_FLIGHT_AT_KILL, 60_000, 5);
    leader.proc.kill('SIGKILL');
    const killedAt = Date.now();
    await leader.exited;
    const atKill = emu.deletes();
    emu.setFaults({ deleteHoldMs: 0 });
    console.log(`[replicas] leader killed with ${atKill.inFlight} deletes unanswered (${atKill.started} started)`);
    expect(atKill.inFlight).toBeGreaterThanOrEqual(IN_FLIGHT_AT_KILL);

    // Ends the leader died with are sent again to the survivors, as a game server's SDK does; one
    // the leader had recorded before dying finds no live server (404).
    const first = await ends;
    expect(first.filter((r) => r !== null && r.status !== 200).map((r) => `${r!.status} ${r!.body}`)).toEqual([]);
    const again = await Promise.all(
      ending.map((s, i) => (first[i] ? null : end(others[i % 2]!, s.ip_address))).filter((r) => r !== null),
    );
    expect(again.filter((r) => r.status !== 200 && r.status !== 404).map((r) => `${r.status} ${r.body}`)).toEqual([]);

    // Sessions keep being served by the survivors.
    const joins = await Promise.all(
      sessions
        .slice(STARTS / 2, STARTS / 2 + 30)
        .map((s, i) => post(`${others[i % 2]!.url}/sessions/join?game_tag=${s.share_tag}`)),
    );
    expect(joins.map((j) => j.status)).toEqual(Array(30).fill(200));
    // Another replica leads: waited for, not timed (a loaded machine only delays it); the figure is printed.
    const newLeader = await waitFor(
      'a new leader',
      async () => {
        const v = await Promise.all(others.map(leadership));
        const l = v.filter((x) => x.leader);
        return l.length === 1 ? l[0] : null;
      },
      60_000,
      50,
    );
    console.log(
      `[replicas] new leader ${newLeader.leaderSinceMs! - killedAt} ms after the SIGKILL (interval ${INTERVAL_S * 1000} ms)`,
    );

    // The rest end too; every droplet gets deleted, each exactly once, and every row confirmed
    // deleted (those whose delete the dead leader never heard back included): none left behind.
    const rest = await Promise.all(sessions.slice(STARTS / 2).map((s, i) => end(others[i % 2]!, s.ip_address)));
    expect(rest.map((r) => r.status)).toEqual(Array(STARTS / 2).fill(200));
    await waitFor('every droplet deleted', () => emu.droplets().every((d) => d.deletedAtMs !== null), 120_000, 100);
    let live: string[] = [];
    await waitFor(
      'every server row deleted',
      async () => (live = await liveServerRows()).length === 0,
      120_000,
      200,
    ).catch(() => undefined);
    expect(live).toEqual([]);
    const droplets = emu.droplets();
    expect(droplets).toHaveLength(STARTS);
    const deletedBy = new Map<number | null, number>();
    for (const d of emu.deletes().log)
      if (d.status === 204) deletedBy.set(d.dropletId, (deletedBy.get(d.dropletId) ?? 0) + 1);
    expect(
      droplets.filter((d) => deletedBy.get(d.id) !== 1).map((d) => `${d.id}: ${deletedBy.get(d.id) ?? 0}`),
    ).toEqual([]);
    // No delete asked twice, except those whose answer died with the leader (each re-asked, a 404 now).
    const requests = emu.requestCounts()['DELETE /v2/droplets/{droplet_id}'] ?? 0;
    const handled = emu.deletes().log;
    const asked = new Map<number | null, number[]>();
    for (const d of handled) asked.set(d.dropletId, [...(asked.get(d.dropletId) ?? []), d.atMs]);
    const twice = [...asked].filter(([, at]) => at.length > 1);
    console.log(
      `[replicas] ${requests} droplet deletes asked for ${STARTS} droplets (at most ${STARTS + atKill.started}); ` +
        `${handled.length} reached the handler; asked twice: ${twice.map(([id, at]) => `${id}@${at.map((t) => t - killedAt).join('/')}`).join(' ')}`,
    );
    expect(requests).toBeGreaterThanOrEqual(STARTS);
    expect(requests).toBeLessThanOrEqual(STARTS + atKill.started);
  }, 300_000);
});
