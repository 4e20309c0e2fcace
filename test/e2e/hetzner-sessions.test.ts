import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Faults } from '../../src/emulator/options.js';
import { SNAPSHOT_IMAGE_ID } from '../../src/emulator/hetzner/index.js';
import { startService, waitFor, type RunningService } from '../helpers/processes.js';
import { liveMachines, waitSettled } from './crash-checks.js';
import { startCloud, type CloudUnderTest } from './crash-cloud.js';
import { post, ServerSigner } from './crash-http.js';
import { StoreView } from './crash-store-view.js';

/**
 * Issue 25's acceptance on Hetzner: the orchestrator as a real process (`serve`, a SQLite
 * file) with PROVIDER=hetzner talks over HTTP to the Hetzner emulator; the test plays the
 * clients and the game servers (signed heartbeats and ends). A warm pool, starts that claim it
 * and starts that create, joins, heartbeats, ends, and the reconciler deleting a server it
 * owns but has no row for; then the same through the DigitalOcean suite's faults.
 */
const SESSIONS = 12;
const POOL = 2;
const LABEL = 'orch-e2e';
const KEY = 'hetzner-e2e-hmac-key';

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
}, 60_000);

interface World {
  cloud: CloudUnderTest;
  svc: RunningService;
  store: StoreView;
}

async function world(faults: Partial<Faults> = {}, seed = 7): Promise<World> {
  const dir = mkdtempSync(path.join(tmpdir(), 'orch-hz-e2e-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const cloud = await startCloud('hetzner', { bootDelayMs: 1000, seed, machineLimit: 100, faults });
  cleanups.push(() => cloud.close());
  const dbFile = path.join(dir, 'orchestrator.db');
  const svc = await startService(['serve'], {
    ...cloud.env(cloud.url, { owner: LABEL, settleMs: 200, retryBaseMs: 50, retryMaxMs: 1000, timeoutMs: 10_000 }),
    HCLOUD_MAX_RETRIES: '8',
    DB_PATH: dbFile,
    INTERNAL_HMAC_SECRET: KEY,
    SHARED_KEY_DRIVES_MANAGED: 'true',
    READINESS: 'address',
    LOG_LEVEL: 'info',
    RECONCILE_INTERVAL_S: '1',
    ORPHAN_GRACE_S: '3',
    POOL_MIN_READY: String(POOL),
    MAX_SERVERS: String(SESSIONS + POOL + 10),
    MAX_CREATES_PER_PASS: String(SESSIONS + POOL + 10),
    MAX_DELETES_PER_PASS: String(SESSIONS + POOL + 10),
    START_TIMEOUT_S: '90',
    BOOT_TIMEOUT_S: '120',
    SESSION_IDLE_TIMEOUT_S: '3600',
    START_RATE_LIMIT_PER_MIN: '0',
    SESSIONS_PER_ADDRESS: '0',
    JOIN_FAIL_LIMIT_PER_MIN: '0',
  });
  cleanups.push(async () => {
    if (svc.proc.exitCode === null) svc.proc.kill('SIGTERM');
    await svc.exited;
  });
  const store = new StoreView(dbFile);
  cleanups.push(() => store.close());
  return { cloud, svc, store };
}

/** The pool is full: POOL servers running in the cloud and ready in the store. */
async function poolReady(w: World): Promise<void> {
  await waitFor('the warm pool ready', () => w.store.readyCount() === POOL, 120_000, 200);
}

/** Starts SESSIONS at once, joins, heartbeats and ends each, as clients and game servers do. */
async function playAll(w: World): Promise<{ reused: number }> {
  const signer = new ServerSigner(KEY);
  const starts = await Promise.all(
    Array.from({ length: SESSIONS }, () =>
      post(`${w.svc.url}/sessions/start`, { 'idempotency-key': randomUUID() }, '', 120_000),
    ),
  );
  expect(starts.map((r) => `${r.status} ${r.status === 200 ? '' : r.body}`)).toEqual(Array(SESSIONS).fill('200 '));
  const bodies = starts.map((r) => JSON.parse(r.body) as { ip_address: string; share_tag: string; message?: string });
  expect(new Set(bodies.map((b) => b.ip_address)).size).toBe(SESSIONS);
  const servers = new Map(w.cloud.machines().map((m) => [m.id, m]));
  for (const b of bodies) {
    // Each address is a live server of ours in the emulator.
    const row = w.store.liveServers().find((s) => s.ip === b.ip_address);
    expect(row?.state).toBe('allocated');
    expect(servers.get(row!.provider_id!)?.owned).toBe(true);
    const join = await post(`${w.svc.url}/sessions/join?game_tag=${b.share_tag.toLowerCase()}`);
    expect(join.status).toBe(200);
    expect(JSON.parse(join.body)).toEqual({ ip_address: b.ip_address });
    const hb = JSON.stringify({ droplet_ip: b.ip_address, connected_clients: 2 });
    const headers = {
      'content-type': 'application/json',
      ...signer.headers(b.ip_address, 'POST', '/server/heartbeat', hb),
    };
    expect((await post(`${w.svc.url}/server/heartbeat`, headers, hb)).status).toBe(200);
  }
  for (const b of bodies) {
    const url = `/server/end?droplet_ip=${encodeURIComponent(b.ip_address)}`;
    const end = await post(`${w.svc.url}${url}`, signer.headers(b.ip_address, 'POST', url));
    expect(end.status).toBe(200);
  }
  return { reused: bodies.filter((b) => b.message === 'Reusing existing droplet').length };
}

/** Every session ended, the ended servers deleted, the pool full again, cloud and store agree, no name twice. */
async function expectSettled(w: World): Promise<void> {
  await waitFor(
    'every ended server deleted and the pool full again',
    () => liveMachines(w.cloud).size === POOL && w.store.readyCount() === POOL && w.store.liveServers().length === POOL,
    180_000,
    250,
  );
  expect(await waitSettled(w.cloud, w.store, 30_000, 4)).toEqual([]);
  // No server made twice: one machine per name, and one per orchestrator server (its label).
  const made = w.cloud.machines();
  expect(new Set(made.map((m) => m.name)).size, 'names made twice').toBe(made.length);
  expect(new Set(made.map((m) => m.madeFor)).size, 'servers made twice').toBe(made.length);
  expect(w.store.outboxViolations()).toEqual([]);
}

describe('e2e: sessions on emulated Hetzner Cloud servers, a real orchestrator process', () => {
  it('pool, starts (claimed and created), joins, heartbeats, ends; an owned server without a row is deleted', async () => {
    const w = await world();
    await poolReady(w);
    const { reused } = await playAll(w);
    expect(reused).toBeGreaterThanOrEqual(1);
    await expectSettled(w);
    // One POST per server: a clean run never needs an adoption.
    const made = w.cloud.machines().length;
    expect(w.cloud.requestCounts()['POST /v1/servers']).toBe(made);
    // Every session's server deleted at its end, the pool's left: none made for nothing.
    expect(made).toBe(SESSIONS + POOL);

    // A server carrying our label that the store never heard of (made by a process that died
    // before writing its row) is deleted after ORPHAN_GRACE_S; the pool is left alone.
    const id = randomUUID();
    const res = await fetch(`${w.cloud.url}/v1/servers`, {
      method: 'POST',
      headers: { authorization: 'Bearer hcloud-crash-token', 'content-type': 'application/json' },
      body: JSON.stringify({
        name: `gs-${id}`,
        server_type: 'cpx22',
        image: String(SNAPSHOT_IMAGE_ID),
        location: 'fsn1',
        labels: { [LABEL]: id },
      }),
    });
    expect(res.status).toBe(201);
    const orphan = ((await res.json()) as { server: { id: number } }).server.id;
    await waitFor(
      'the orphan deleted',
      () => w.cloud.machines().find((m) => m.id === String(orphan))?.deleted === true,
      60_000,
      200,
    );
    await expectSettled(w);
  }, 300_000);

  it('the same through 5xx, dropped, slow and lost-create responses and 429s: no server twice, none left', async () => {
    const w = await world({
      errorRate: 0.1,
      dropRate: 0.05,
      slowRate: 0.05,
      slowMs: 400,
      burst429: 20,
      lostCreateRate: 0.2,
    });
    await poolReady(w);
    await playAll(w);
    await expectSettled(w);
    const counts = w.cloud.requestCounts();
    console.log(`[hetzner-e2e] faults: ${w.cloud.machines().length} servers; ${JSON.stringify(counts)}`);
  }, 360_000);
});
