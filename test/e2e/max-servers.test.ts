import { afterEach, describe, expect, it } from 'vitest';
import { LIVE_SERVER_STATES } from '../../src/domain/server.js';
import { startEmulator, type EmulatedDroplet, type RunningEmulator } from '../../src/emulator/index.js';
import type { Orchestrator } from '../../src/orchestrator.js';
import { endServer, testOrchestrator } from '../helpers/orchestrator.js';
import { waitFor } from '../helpers/processes.js';
import { post, sleep, type HttpAnswer } from './crash-http.js';

/**
 * MAX_SERVERS is the cost guard: however many starts arrive at once, no more machines exist
 * than it allows (the emulator would allow far more), the starts that get a server answer 200
 * and the rest a clear 503 with Retry-After. And starts never make more servers than they ask for.
 */
let emu: RunningEmulator | null = null;
let orch: Orchestrator | null = null;
afterEach(async () => {
  await orch?.close();
  await emu?.close();
  orch = emu = null;
}, 60_000);

async function orchestratorOn(
  e: RunningEmulator,
  env: Record<string, string>,
): Promise<{ o: Orchestrator; url: string }> {
  const o = await testOrchestrator(
    {
      PROVIDER: 'digitalocean',
      DIGITALOCEAN_TOKEN: 'dop_v1_test',
      SNAPSHOT_ID: '7555620',
      DO_API_URL: e.url,
      READINESS: 'address',
      POOL_MIN_READY: '0',
      START_RATE_LIMIT_PER_MIN: '0',
      SESSIONS_PER_ADDRESS: '0',
      RECONCILE_INTERVAL_S: '0.5',
      DO_RETRY_BASE_MS: '20',
      // The test plays game servers of the original's image: they sign with the shared key.
      SHARED_KEY_DRIVES_MANAGED: 'true',
      ...env,
    },
    { reconcile: true },
  );
  const url = await o.app.listen({ port: 0, host: '127.0.0.1' });
  return { o, url };
}

/** The most droplets alive at one moment, exactly, from the emulator's create and delete times. */
function peakAlive(droplets: readonly EmulatedDroplet[]): number {
  const events = droplets.flatMap((d) => [
    { at: d.createdAtMs, delta: 1 },
    ...(d.deletedAtMs === null ? [] : [{ at: d.deletedAtMs, delta: -1 }]),
  ]);
  events.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let alive = 0;
  let peak = 0;
  for (const e of events) peak = Math.max(peak, (alive += e.delta));
  return peak;
}

/** Samples the droplets alive and the live rows of ours every few ms until stopped; returns the peaks. */
function sampler(e: RunningEmulator, o: Orchestrator) {
  let droplets = 0;
  let rows = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      droplets = Math.max(droplets, e.droplets().filter((d) => d.deletedAtMs === null).length);
      const live = await o.store.listServers(LIVE_SERVER_STATES);
      rows = Math.max(rows, live.filter((s) => s.origin !== 'external').length);
      await sleep(5);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { droplets, rows };
    },
  };
}

describe('e2e: MAX_SERVERS under a burst of starts (DigitalOcean emulator)', () => {
  it('200 concurrent starts with MAX_SERVERS=10 and no warm pool: never more than 10 droplets; 10 answer 200, 190 a 503 with Retry-After', async () => {
    emu = await startEmulator({ bootDelayMs: 400, dropletLimit: 500, logger: false });
    const { o, url } = await orchestratorOn(emu, { MAX_SERVERS: '10', START_TIMEOUT_S: '4' });
    orch = o;
    const peaks = sampler(emu, o);
    const replies: HttpAnswer[] = await Promise.all(Array.from({ length: 200 }, () => post(`${url}/sessions/start`)));
    const sampled = await peaks.stop();

    const ok = replies
      .filter((r) => r.status === 200)
      .map((r) => JSON.parse(r.body) as { ip_address: string; share_tag: string });
    const refused = replies.filter((r) => r.status === 503);
    expect(ok).toHaveLength(10);
    expect(refused).toHaveLength(190);
    expect(new Set(ok.map((b) => b.ip_address)).size).toBe(10);
    for (const r of refused) {
      expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(JSON.parse(r.body).detail).toBe(
        'No game server became ready within 4 s: all 10 servers allowed by MAX_SERVERS are in use; retry later',
      );
    }
    expect(sampled.droplets).toBeLessThanOrEqual(10);
    expect(sampled.rows).toBeLessThanOrEqual(10);
    expect(peakAlive(emu.droplets())).toBe(10);
    expect(emu.droplets()).toHaveLength(10);
    console.log(
      `[max-servers] 200 starts: ${ok.length} × 200, ${refused.length} × 503 (Retry-After ${String(refused[0]?.headers['retry-after'])} s); peak droplets alive ${peakAlive(emu.droplets())} (sampled ${sampled.droplets}), peak live rows ${sampled.rows}`,
    );
  }, 60_000);

  it('the same while game servers end their sessions and deletes lag: capacity is reused, never exceeded', async () => {
    emu = await startEmulator({ bootDelayMs: 300, dropletLimit: 500, logger: false, faults: { deleteLagMs: 300 } });
    const { o, url } = await orchestratorOn(emu, { MAX_SERVERS: '10', START_TIMEOUT_S: '5' });
    orch = o;
    const peaks = sampler(emu, o);
    const ends: number[] = [];
    const replies = await Promise.all(
      Array.from({ length: 200 }, async () => {
        const r = await post(`${url}/sessions/start`);
        if (r.status === 200) {
          await sleep(100);
          ends.push((await endServer(o.app, JSON.parse(r.body).ip_address)).statusCode);
        }
        return r;
      }),
    );
    const sampled = await peaks.stop();
    const ok = replies.filter((r) => r.status === 200).length;
    expect(ok + replies.filter((r) => r.status === 503 && r.headers['retry-after']).length).toBe(200);
    expect(ok).toBeGreaterThan(10);
    expect(ends).toEqual(Array(ok).fill(200));
    expect(sampled.droplets).toBeLessThanOrEqual(10);
    expect(sampled.rows).toBeLessThanOrEqual(10);
    expect(peakAlive(emu.droplets())).toBeLessThanOrEqual(10);
    console.log(
      `[max-servers] 200 starts with ends: ${ok} × 200, ${200 - ok} × 503; ${emu.droplets().length} droplets made, peak alive ${peakAlive(emu.droplets())} (sampled ${sampled.droplets}), peak live rows ${sampled.rows}`,
    );
  }, 60_000);

  it('concurrent starts with no ready server make exactly as many servers as starts, and no more afterwards', async () => {
    emu = await startEmulator({ bootDelayMs: 300, dropletLimit: 500, logger: false });
    const { o, url } = await orchestratorOn(emu, { MAX_SERVERS: '50', START_TIMEOUT_S: '20' });
    orch = o;
    for (const burst of [7, 1, 12]) {
      const before = emu.droplets().length;
      const replies = await Promise.all(Array.from({ length: burst }, () => post(`${url}/sessions/start`)));
      expect(replies.map((r) => r.status)).toEqual(Array(burst).fill(200));
      expect(new Set(replies.map((r) => JSON.parse(r.body).ip_address)).size).toBe(burst);
      expect(emu.droplets().length - before).toBe(burst);
    }
    // A few more reconcile passes: the pool of 0 asks for nothing more.
    const passes = o.reconciler.status().passes;
    await waitFor('three more reconcile passes', () => o.reconciler.status().passes >= passes + 3, 10_000);
    expect(emu.droplets()).toHaveLength(20);
    expect((await o.store.listServers(LIVE_SERVER_STATES)).length).toBe(20);
  }, 60_000);
});
