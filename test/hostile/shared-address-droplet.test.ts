import { afterEach, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import type { Orchestrator } from '../../src/orchestrator.js';
import { heartbeat, testOrchestrator } from '../helpers/orchestrator.js';
import { waitFor } from '../helpers/processes.js';
import { signedHeaders } from '../helpers/sign.js';

/**
 * Issue 21 item 5: an external (shared-key) server holding the address a new droplet receives
 * left the droplet's row `creating` forever (UNIQUE servers.ip every pass), billed and counted
 * against MAX_SERVERS. The real DigitalOcean provider talks to the emulator over HTTP; the
 * emulator hands out 203.0.113.2 first.
 */
const FIRST_ADDRESS = '203.0.113.2';
let emu: RunningEmulator | null = null;
let orch: Orchestrator | null = null;

afterEach(async () => {
  await orch?.close();
  await emu?.close();
  orch = emu = null;
}, 60_000);

async function orchestratorOn(e: RunningEmulator, env: Record<string, string>) {
  return testOrchestrator(
    {
      PROVIDER: 'digitalocean',
      DIGITALOCEAN_TOKEN: 'dop_v1_test',
      SNAPSHOT_ID: '7555620',
      DO_API_URL: e.url,
      MAX_SERVERS: '3',
      RECONCILE_INTERVAL_S: '0.2',
      DO_RETRY_BASE_MS: '20',
      START_RATE_LIMIT_PER_MIN: '0',
      ...env,
    },
    { reconcile: true },
  );
}

function liveRowAt(o: Orchestrator, ip: string) {
  return o.store.findActiveServerByIp(ip);
}

it('the droplet takes its address from an external row: the row ends, its session ends, its heartbeats are refused', async () => {
  emu = await startEmulator({ bootDelayMs: 200 });
  orch = await orchestratorOn(emu, { BOOT_TIMEOUT_S: '600', POOL_MIN_READY: '0' });
  // A studio's server registers with the shared key at the address the droplet will get, and a player takes it.
  expect((await heartbeat(orch.app, FIRST_ADDRESS, 0)).statusCode).toBe(200);
  const external = (await liveRowAt(orch, FIRST_ADDRESS))!;
  expect(external.origin).toBe('external');
  const start = await orch.app.inject({ method: 'POST', url: '/sessions/start' });
  expect(start.json()).toMatchObject({ ip_address: FIRST_ADDRESS });
  // A second start makes a droplet, which receives the external server's address.
  const second = orch.app.inject({ method: 'POST', url: '/v1/sessions', payload: {} });
  expect((await second).statusCode).toBeLessThan(300);
  const row = await waitFor('the droplet row holds the address', async () => {
    const s = await liveRowAt(orch!, FIRST_ADDRESS);
    return s && s.origin === 'digitalocean' ? s : null;
  });
  expect(emu.droplets().filter((d) => d.deletedAtMs === null)).toHaveLength(1);
  expect(row.state).toBe('starting');
  const gone = (await orch.store.getServer(external.id))!;
  expect(gone.state).toBe('deleted');
  expect(gone.reason).toMatch(/now belongs to a machine this orchestrator made/);
  const sessions = await orch.store.listSessions(['ended']);
  expect(sessions.find((s) => s.serverId === external.id)?.endReason).toBe('server_lost');
  // The external server keeps heartbeating with the shared key: refused, with a reason; nothing changes.
  const refused = await heartbeat(orch.app, FIRST_ADDRESS, 5);
  expect(refused.statusCode).toBe(409);
  expect(refused.json().detail).toMatch(/own credential/);
  expect((await orch.store.getServer(row.id))!).toMatchObject({ state: 'starting', players: 0 });
  // The droplet's own game server, with its credential, is heard.
  const body = JSON.stringify({ droplet_ip: FIRST_ADDRESS, connected_clients: 0 });
  const own = await orch.app.inject({
    method: 'POST',
    url: '/server/heartbeat',
    headers: {
      'content-type': 'application/json',
      'server-id': row.id,
      ...signedHeaders(orch.ops.credentialFor(row.id), 'POST', '/server/heartbeat', body),
    },
    payload: body,
  });
  expect(own.statusCode).toBe(200);
  expect((await orch.store.getServer(row.id))!.state).not.toBe('starting');
}, 60_000);

it('a row whose machine cannot be recorded does not outlive its boot deadline: it is shut down and the droplet deleted', async () => {
  emu = await startEmulator({ bootDelayMs: 200 });
  orch = await orchestratorOn(emu, { BOOT_TIMEOUT_S: '2', POOL_MIN_READY: '1' });
  // A row another provider made holds the address (an import while PROVIDER was switched):
  // not ours to end, so recording the droplet fails on the unique address every pass.
  const now = Date.now();
  await orch.store.insertServer({
    id: 'foreign-holder',
    state: 'allocated',
    origin: 'local',
    region: 'local',
    providerId: null,
    ip: FIRST_ADDRESS,
    port: null,
    players: 1,
    createdAtMs: now,
    updatedAtMs: now,
    stateChangedAtMs: now,
    readyAtMs: now,
    lastHeartbeatAtMs: now,
    reason: null,
  });
  const droplet = await waitFor('a droplet at the held address', () =>
    emu!.droplets().find((d) => d.publicIpv4 === FIRST_ADDRESS),
  );
  // Past the deadline the row is torn down and the droplet deleted (not billed forever).
  await waitFor(
    'the stuck droplet deleted',
    () => emu!.droplets().find((d) => d.id === droplet.id)?.deletedAtMs,
    30_000,
  );
  const rows = await orch.store.listServers();
  const stuck = rows.find((s) => s.providerId === String(droplet.id));
  expect(stuck?.reason ?? '').toMatch(/boot timeout/);
  await waitFor('its row deleted', async () => (await orch!.store.getServer(stuck!.id))?.state === 'deleted', 30_000);
}, 60_000);
