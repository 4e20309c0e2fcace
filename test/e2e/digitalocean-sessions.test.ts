import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import type { Orchestrator } from '../../src/orchestrator.js';
import { endServer, heartbeat, testOrchestrator } from '../helpers/orchestrator.js';
import { waitFor } from '../helpers/processes.js';

/**
 * The DigitalOcean issue's acceptance: the orchestrator's real DigitalOcean provider talks to
 * the emulator over HTTP; the test plays the game servers (signed heartbeats and ends).
 */
const SESSIONS = 50;
let emu: RunningEmulator | null = null;
let orch: Orchestrator | null = null;
// No bound here: closing the orchestrator aborts its DigitalOcean requests in flight, and closing
// the emulator ends the requests it holds (test/providers/digitalocean/close.test.ts and
// test/emulator/close.test.ts prove each), so a close that hangs is a failure to see.
afterEach(async () => {
  await orch?.close();
  await emu?.close();
  orch = emu = null;
}, 60_000);

async function orchestratorOn(e: RunningEmulator, env: Record<string, string> = {}) {
  return testOrchestrator(
    {
      PROVIDER: 'digitalocean',
      DIGITALOCEAN_TOKEN: 'dop_v1_test',
      SNAPSHOT_ID: '7555620',
      DO_API_URL: e.url,
      READINESS: 'address',
      MAX_SERVERS: String(SESSIONS + 10),
      MAX_CREATES_PER_PASS: String(SESSIONS + 10),
      MAX_DELETES_PER_PASS: String(SESSIONS + 10),
      START_TIMEOUT_S: '90',
      RECONCILE_INTERVAL_S: '1',
      ORPHAN_GRACE_S: '20',
      BOOT_TIMEOUT_S: '120',
      DO_REQUEST_TIMEOUT_MS: '15000',
      DO_MAX_RETRIES: '8',
      DO_RETRY_BASE_MS: '50',
      DO_RETRY_MAX_MS: '2000',
      // The test plays game servers of the original's image: they sign with the shared key.
      SHARED_KEY_DRIVES_MANAGED: 'true',
      ...env,
    },
    { reconcile: true },
  );
}

/** Starts SESSIONS sessions at once, plays one heartbeat each, ends them all; returns what the clients saw. */
async function playAndEndAll(o: Orchestrator) {
  const starts = await Promise.all(
    Array.from({ length: SESSIONS }, () => o.app.inject({ method: 'POST', url: '/sessions/start' })),
  );
  expect(starts.map((r) => r.statusCode)).toEqual(Array(SESSIONS).fill(200));
  const bodies = starts.map((r) => r.json<{ ip_address: string; share_tag: string; message?: string }>());
  expect(new Set(bodies.map((b) => b.ip_address)).size).toBe(SESSIONS);
  expect(new Set(bodies.map((b) => b.share_tag)).size).toBe(SESSIONS);
  for (const b of bodies) expect(b.ip_address).toMatch(/^(203\.0\.113|198\.51\.100)\.\d+$/);
  for (const b of bodies) expect((await heartbeat(o.app, b.ip_address, 1)).statusCode).toBe(200);
  for (const b of bodies) {
    const r = await endServer(o.app, b.ip_address);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ message: 'Game session ended and DigitalOcean droplet deleted.' });
  }
  return bodies;
}

async function expectNothingLeft(e: RunningEmulator, o: Orchestrator) {
  await waitFor(
    'every droplet deleted and every row deleted',
    async () => {
      const alive = e.droplets().filter((d) => d.deletedAtMs === null);
      const live = (await o.store.listServers()).filter((s) => s.state !== 'deleted');
      return alive.length === 0 && live.length === 0;
    },
    180_000,
    200,
  );
  // None made twice: one droplet per server id (names carry it).
  const names = e.droplets().map((d) => d.name);
  expect(new Set(names).size).toBe(names.length);
  const servers = await o.store.listServers();
  for (const s of servers) expect(s.state).toBe('deleted');
  expect((await o.store.listSessions(['pending', 'active'])).length).toBe(0);
}

function callsReport(e: RunningEmulator, label: string) {
  const counts = e.requestCounts();
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const lists = counts['GET /v2/droplets'] ?? 0;
  console.log(
    `[do-e2e] ${label}: ${total} API calls for ${SESSIONS} sessions = ${(total / SESSIONS).toFixed(2)}/session; lists ${lists}; ${JSON.stringify(counts)}`,
  );
  return { total, counts };
}

describe('e2e: sessions on emulated DigitalOcean droplets', () => {
  it(`${SESSIONS} sessions started and ended through the original routes: every droplet deleted, none twice`, async () => {
    emu = await startEmulator({ port: 0, bootDelayMs: 2000, logger: false, dropletLimit: 200 });
    orch = await orchestratorOn(emu);
    const bodies = await playAndEndAll(orch);
    expect(bodies.every((b) => b.message === undefined)).toBe(true);
    await expectNothingLeft(emu, orch);
    expect(emu.droplets()).toHaveLength(SESSIONS);
    const { counts } = callsReport(emu, 'clean');
    expect(counts['POST /v2/droplets']).toBe(SESSIONS);
  }, 180_000);

  it('the same through 20% failing responses (5xx, dropped, slow) and 429 bursts: the same outcome, only slower', async () => {
    emu = await startEmulator({
      port: 0,
      bootDelayMs: 2000,
      logger: false,
      dropletLimit: 200,
      seed: 7,
      faults: { errorRate: 0.1, dropRate: 0.05, slowRate: 0.05, slowMs: 400, burst429: 20 },
    });
    orch = await orchestratorOn(emu);
    await playAndEndAll(orch);
    emu.setFaults({ burst429: 10 });
    await expectNothingLeft(emu, orch);
    callsReport(emu, 'faults');
  }, 360_000);

  it('a lost create response leads to adoption, not a second droplet', async () => {
    emu = await startEmulator({ port: 0, bootDelayMs: 300, logger: false, faults: { lostCreateRate: 1 } });
    orch = await orchestratorOn(emu, { DO_CREATE_SETTLE_MS: '100' });
    const start = orch.app.inject({ method: 'POST', url: '/sessions/start' });
    await waitFor('the droplet to exist', () => emu!.droplets().length === 1, 30_000);
    emu.setFaults({ lostCreateRate: 0 });
    const r = await start;
    expect(r.statusCode).toBe(200);
    expect(emu.droplets()).toHaveLength(1);
    expect(r.json().ip_address).toBe(emu.droplets()[0]!.publicIpv4);
    expect((await endServer(orch.app, r.json().ip_address)).statusCode).toBe(200);
    await expectNothingLeft(emu, orch);
    expect(emu.droplets()).toHaveLength(1);
  }, 60_000);
});
