import { afterEach, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import type { Orchestrator } from '../../src/orchestrator.js';
import { testOrchestrator } from '../helpers/orchestrator.js';

/**
 * READINESS=address on the DigitalOcean provider against the emulator (real HTTP): a cold
 * start is answered once its droplet is up, without waiting for a reconcile pass (the pass
 * interval here is an hour), and the looks cost one tagged listing each, never a GET per
 * droplet.
 */
let emu: RunningEmulator | null = null;
let orch: Orchestrator | null = null;
afterEach(async () => {
  await orch?.close();
  await emu?.close();
  orch = emu = null;
}, 30_000);

async function coldStartSetup(bootingPollMs: string) {
  emu = await startEmulator({ bootDelayMs: 300 });
  orch = await testOrchestrator(
    {
      PROVIDER: 'digitalocean',
      DIGITALOCEAN_TOKEN: 'dop_v1_test',
      SNAPSHOT_ID: '7555620',
      DO_API_URL: emu.url,
      READINESS: 'address',
      MAX_SERVERS: '4',
      RECONCILE_INTERVAL_S: '3600',
      START_TIMEOUT_S: '5',
      BOOTING_POLL_MS: bootingPollMs,
      // The test plays game servers of the original's image: they sign with the shared key.
      SHARED_KEY_DRIVES_MANAGED: 'true',
    },
    { reconcile: true },
  );
  // The loop's first pass runs at start; let it finish so it cannot be the one that promotes.
  await orch.reconciler.runPass();
  emu.resetCounts();
  return { emu, orch };
}

it('answers a cold start once its droplet is up, between reconcile passes, with one tagged listing per look', async () => {
  const { emu, orch } = await coldStartSetup('100');
  const passesBefore = orch.reconciler.status().passes;
  const r = await orch.app.inject({ method: 'POST', url: '/sessions/start' });
  expect(r.statusCode).toBe(200);
  expect(r.json().ip_address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  expect(orch.reconciler.status().passes).toBe(passesBefore);
  const counts = emu.requestCounts();
  expect(counts['GET /v2/droplets']).toBeGreaterThan(0);
  expect(counts['GET /v2/droplets/{droplet_id}'] ?? 0).toBe(0);
  expect(counts['POST /v2/droplets']).toBe(1);
});

it('without the boot watch (BOOTING_POLL_MS=0) the same start waits for a pass and times out', async () => {
  const { orch } = await coldStartSetup('0');
  const r = await orch.app.inject({ method: 'POST', url: '/sessions/start' });
  expect(r.statusCode).toBe(503);
}, 20_000);

it('a start queued behind another at MAX_SERVERS gets a server as soon as the first one ends, between passes', async () => {
  const { orch } = await coldStartSetup('100');
  // MAX_SERVERS is 4: fill it with three more cold starts, then queue a fifth.
  const first = await Promise.all(
    Array.from({ length: 4 }, () => orch.app.inject({ method: 'POST', url: '/sessions/start' })),
  );
  expect(first.map((r) => r.statusCode)).toEqual([200, 200, 200, 200]);
  const passes = orch.reconciler.status().passes;
  const queued = orch.app.inject({ method: 'POST', url: '/sessions/start' });
  await new Promise((r) => setTimeout(r, 300));
  const ip = first[0]!.json().ip_address as string;
  const path = `/server/end?droplet_ip=${encodeURIComponent(ip)}`;
  const { signedHeaders } = await import('../helpers/sign.js');
  const { TEST_KEY } = await import('../helpers/orchestrator.js');
  expect(
    (await orch.app.inject({ method: 'POST', url: path, headers: signedHeaders(TEST_KEY, 'POST', path) })).statusCode,
  ).toBe(200);
  const r = await queued;
  expect(r.statusCode).toBe(200);
  // A pass made its server (asked for by the watch), not the hourly schedule.
  expect(orch.reconciler.status().passes).toBeGreaterThan(passes);
}, 30_000);
