import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import type { Orchestrator } from '../../src/orchestrator.js';
import { endServer, testOrchestrator } from '../helpers/orchestrator.js';
import { post, type HttpAnswer } from './crash-http.js';

/**
 * MAX_SERVERS above the DigitalOcean account's droplet_limit (issue 14.2), over real HTTP to the
 * emulator: the limit is read at start-up and clamps the cap; a create refused for the limit
 * (other droplets share the account) is capacity, so nothing is retried for CAPACITY_HOLD_S;
 * the starts that cannot be served say why, and so does GET /v1/status.
 */
const ADMIN = 'admin-token';
let emu: RunningEmulator | null = null;
let orch: Orchestrator | null = null;
afterEach(async () => {
  await orch?.close();
  await emu?.close();
  orch = emu = null;
}, 60_000);

/** Log records the orchestrator wrote, parsed. */
const logs: { level: number; msg: string }[] = [];
const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line)) });

async function orchestratorOn(e: RunningEmulator, env: Record<string, string>) {
  logs.length = 0;
  const o = await testOrchestrator(
    {
      PROVIDER: 'digitalocean',
      DIGITALOCEAN_TOKEN: 'dop_v1_test',
      SNAPSHOT_ID: '7555620',
      DO_API_URL: e.url,
      READINESS: 'address',
      ADMIN_TOKEN: ADMIN,
      RECONCILE_INTERVAL_S: '0.3',
      DO_RETRY_BASE_MS: '20',
      MAX_SERVERS: '10',
      START_TIMEOUT_S: '3',
      // The game server is played with the shared key, as an image from before per-server credentials.
      SHARED_KEY_DRIVES_MANAGED: 'true',
      ...env,
    },
    { reconcile: true, logger },
  );
  orch = o;
  return { o, url: await o.app.listen({ port: 0, host: '127.0.0.1' }) };
}

async function operatorStatus(url: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}/v1/status`, { headers: { authorization: `Bearer ${ADMIN}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

/** A droplet someone else made on the same account (not ours: another tag). */
async function foreignDroplet(e: RunningEmulator, name: string): Promise<void> {
  const res = await fetch(`${e.url}/v2/droplets`, {
    method: 'POST',
    headers: { authorization: 'Bearer other', 'content-type': 'application/json' },
    body: JSON.stringify({ name, region: 'nyc3', size: 's-1vcpu-1gb', image: 7555620, tags: ['someone-else'] }),
  });
  expect(res.status).toBe(202);
}

const detail = (r: HttpAnswer) => (JSON.parse(r.body) as { detail: string }).detail;

describe('e2e: MAX_SERVERS above the DigitalOcean droplet_limit (emulator)', () => {
  it('droplet_limit 5, MAX_SERVERS 10, 10 concurrent starts: 5 creates, 5 servers, 5 × 503 naming the clamp; status shows it', async () => {
    emu = await startEmulator({ bootDelayMs: 300, dropletLimit: 5, logger: false });
    const { url } = await orchestratorOn(emu, {});
    // Said at start-up, before any start arrives.
    expect(logs.filter((l) => l.level === 40).map((l) => l.msg)).toContain(
      "MAX_SERVERS 10 is clamped to 5, the DigitalOcean account's droplet_limit: creates beyond it would be refused",
    );
    const replies = await Promise.all(Array.from({ length: 10 }, () => post(`${url}/sessions/start`)));

    expect(emu.requestCounts()['POST /v2/droplets']).toBe(5);
    expect(replies.filter((r) => r.status === 200)).toHaveLength(5);
    const refused = replies.filter((r) => r.status === 503);
    expect(refused).toHaveLength(5);
    for (const r of refused) {
      expect(detail(r)).toBe(
        "No game server became ready within 3 s: all 5 servers allowed are in use (MAX_SERVERS 10 is clamped to 5, the DigitalOcean account's droplet_limit); retry later",
      );
      expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    expect((await operatorStatus(url)).capacity).toEqual({
      configuredMaxServers: 10,
      accountLimit: 5,
      maxServers: 5,
      clamp: "MAX_SERVERS 10 is clamped to 5, the DigitalOcean account's droplet_limit",
      refusedUntilMs: null,
      refusal: null,
    });
  }, 60_000);

  it('other droplets fill the account: the refused creates are capacity, not retried during the hold; the 503 and status say so', async () => {
    emu = await startEmulator({ bootDelayMs: 300, dropletLimit: 5, logger: false });
    await foreignDroplet(emu, 'web-1');
    await foreignDroplet(emu, 'web-2');
    const { url } = await orchestratorOn(emu, { CAPACITY_HOLD_S: '60' });
    const replies = await Promise.all(Array.from({ length: 10 }, () => post(`${url}/sessions/start`)));

    // 5 tried (the clamp), 3 made, 2 refused; then nothing more for the hold, across ~10 reconcile passes.
    const counts = emu.requestCounts();
    expect(counts['POST /v2/droplets']).toBe(2 + 5);
    expect(emu.droplets().filter((d) => d.tags.includes('femquest-server'))).toHaveLength(3);
    expect(replies.filter((r) => r.status === 200)).toHaveLength(3);
    const refused = replies.filter((r) => r.status === 503);
    expect(refused).toHaveLength(7);
    for (const r of refused) {
      expect(detail(r)).toMatch(
        /^No game server became ready within 3 s: the provider refused a new server because the account's limit is reached \(POST \/v2\/droplets: 422 .*will exceed your droplet limit\); no create is tried for \d+ s; retry later$/,
      );
    }
    const status = (await operatorStatus(url)).capacity as Record<string, unknown>;
    expect(status).toMatchObject({
      maxServers: 5,
      accountLimit: 5,
      refusal: expect.stringContaining('will exceed your droplet limit'),
    });
    expect(status.refusedUntilMs).toBeGreaterThan(Date.now());

    // A game ends and its droplet is deleted: the account has room, so the hold ends at once.
    const ip = (JSON.parse(replies.find((r) => r.status === 200)!.body) as { ip_address: string }).ip_address;
    expect((await endServer(orch!.app, ip)).statusCode).toBe(200);
    const next = await post(`${url}/sessions/start`);
    expect(next.status, next.body).toBe(200);
    expect(((await operatorStatus(url)).capacity as Record<string, unknown>).refusal).toBeNull();
  }, 60_000);
});
