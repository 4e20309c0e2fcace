import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import type { Orchestrator } from '../../src/orchestrator.js';
import { testOrchestrator } from '../helpers/orchestrator.js';
import { waitFor } from '../helpers/processes.js';

/**
 * Issue 23's acceptance on the DigitalOcean emulator with three regions: the orchestrator's real
 * DigitalOcean provider creates droplets over HTTP; starts with latencies land where the rule says
 * (a party by its worst player), a region closed mid-run is skipped without a failed start,
 * GET /v1/regions shows each state, and the original routes still start in the default region.
 */
let emu: RunningEmulator | null = null;
let orch: Orchestrator | null = null;
afterEach(async () => {
  await orch?.close();
  await emu?.close();
  orch = emu = null;
}, 60_000);

interface SessionBody {
  code: string;
  state: string;
  region: string;
  placement: string | null;
  address: string | null;
  end_reason: string | null;
}

async function start(o: Orchestrator, body: unknown) {
  const r = await o.app.inject({ method: 'POST', url: '/v1/sessions', payload: body as object });
  return { status: r.statusCode, body: r.json<SessionBody & { error?: { code: string } }>(), headers: r.headers };
}

/** Polls the session until it is no longer pending. */
async function settled(o: Orchestrator, code: string): Promise<SessionBody> {
  let last: SessionBody | null = null;
  await waitFor(
    `session ${code} active`,
    async () => {
      last = (await o.app.inject({ method: 'GET', url: `/v1/sessions/${code}` })).json<SessionBody>();
      return last.state !== 'pending';
    },
    60_000,
    100,
  );
  return last!;
}

async function regions(o: Orchestrator) {
  const r = await o.app.inject({ method: 'GET', url: '/v1/regions' });
  expect(r.statusCode).toBe(200);
  return r.json<{
    items: { name: string; state: string; ready_servers: number; ping_target: string; default: boolean }[];
  }>().items;
}

/** The region of the emulator's droplet at this address. */
function dropletRegion(e: RunningEmulator, ip: string | null): string | undefined {
  return e.droplets().find((d) => d.publicIpv4 === ip && d.deletedAtMs === null)?.region;
}

describe('e2e: placement by latency over three emulated DigitalOcean regions', () => {
  it('places by latency (and a party by its worst player), skips a region closed mid-run, shows each state, keeps the original routes in the default region', async () => {
    emu = await startEmulator({ port: 0, bootDelayMs: 300, logger: false, dropletLimit: 50 });
    orch = await testOrchestrator(
      {
        PROVIDER: 'digitalocean',
        DIGITALOCEAN_TOKEN: 'dop_v1_test',
        // A public image: every region has it (a snapshot is only in the regions it was transferred to).
        SNAPSHOT_ID: 'ubuntu-24-04-x64',
        DO_API_URL: emu.url,
        DROPLET_REGION: 'nyc3',
        REGIONS: 'nyc3,ams3,sgp1',
        REGION_MAX_SERVERS: 'ams3=3',
        READINESS: 'address',
        MAX_SERVERS: '10',
        START_TIMEOUT_S: '60',
        RECONCILE_INTERVAL_S: '1',
        BOOT_TIMEOUT_S: '120',
        DO_RETRY_BASE_MS: '50',
        SHARED_KEY_DRIVES_MANAGED: 'true',
      },
      { reconcile: true },
    );
    const o = orch;
    const before = await regions(o);
    expect(before.map((r) => [r.name, r.state, r.default, r.ping_target])).toEqual([
      ['nyc3', 'usable', true, 'https://speedtest-nyc3.digitalocean.com/'],
      ['ams3', 'usable', false, 'https://speedtest-ams3.digitalocean.com/'],
      ['sgp1', 'usable', false, 'https://speedtest-sgp1.digitalocean.com/'],
    ]);

    // One player nearest ams3: a cold start there (no ready server anywhere).
    const one = await start(o, { latencies: { nyc3: 90, ams3: 20, sgp1: 200 }, max_latency_ms: 150 });
    expect([one.status, one.body.region, one.body.placement]).toEqual([202, 'ams3', 'nearest_cold_start']);
    const oneActive = await settled(o, one.body.code);
    expect(oneActive.state).toBe('active');
    expect(dropletRegion(emu, oneActive.address)).toBe('ams3');

    // A party: nyc3 is best for the first player, sgp1 for the second; by the worst player ams3 (80 ms) wins.
    const party = await start(o, {
      latencies: [
        { nyc3: 30, ams3: 80, sgp1: 150 },
        { nyc3: 100, ams3: 70, sgp1: 40 },
      ],
    });
    expect([party.status, party.body.region, party.body.placement]).toEqual([202, 'ams3', 'nearest_cold_start']);
    expect((await settled(o, party.body.code)).state).toBe('active');

    // Refusals, each with its reason.
    const far = await start(o, { latencies: { nyc3: 90, ams3: 70, sgp1: 200 }, max_latency_ms: 50 });
    expect([far.status, far.body.error?.code]).toEqual([409, 'no_region_within_latency']);
    const unknown = await start(o, { region: 'fra1' });
    expect([unknown.status, unknown.body.error?.code]).toEqual([400, 'unknown_region']);

    // sgp1 closes mid-run. A start nearest sgp1 is placed there (not known yet); its create is
    // refused (422) and the session is re-placed in the next region within its cap: no failed start.
    const closed = await fetch(`${emu.url}/_emulator/regions/sgp1`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ available: false }),
    });
    expect(closed.status).toBe(200);
    const near = await start(o, { latencies: { nyc3: 160, ams3: 60, sgp1: 10 }, max_latency_ms: 170 });
    expect([near.status, near.body.region]).toEqual([202, 'sgp1']);
    const nearActive = await settled(o, near.body.code);
    expect([nearActive.state, nearActive.region, nearActive.placement, nearActive.end_reason]).toEqual([
      'active',
      'ams3',
      'cold_start_in_slower_region',
      null,
    ]);
    expect(dropletRegion(emu, nearActive.address)).toBe('ams3');

    // Now sgp1 refuses creates and ams3 is at its cap of 3: the next start nearest sgp1 goes to nyc3.
    const states = Object.fromEntries((await regions(o)).map((r) => [r.name, r.state]));
    expect(states).toEqual({ nyc3: 'usable', ams3: 'at_cap', sgp1: 'refusing_creates' });
    const next = await start(o, { latencies: { nyc3: 160, ams3: 60, sgp1: 10 }, max_latency_ms: 170 });
    expect([next.status, next.body.region, next.body.placement]).toEqual([202, 'nyc3', 'cold_start_in_slower_region']);
    expect((await settled(o, next.body.code)).state).toBe('active');

    // The original route: the default region, unchanged.
    const compat = await o.app.inject({ method: 'POST', url: '/sessions/start' });
    expect(compat.statusCode).toBe(200);
    const ip = compat.json<{ ip_address: string }>().ip_address;
    expect((await o.store.findActiveServerByIp(ip))?.region).toBe('nyc3');
    expect(dropletRegion(emu, ip)).toBe('nyc3');
    // Every start became active; none ended.
    expect(await o.store.countSessions(['ended'])).toBe(0);
  }, 120_000);
});
