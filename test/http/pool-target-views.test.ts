import { afterEach, describe, expect, it } from 'vitest';
import { EventKind } from '../../src/domain/events.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import type { Orchestrator } from '../../src/orchestrator.js';
import { heartbeat, testOrchestrator } from '../helpers/orchestrator.js';

/**
 * One pool target (issue 18.3): the reconciler plans with `max(min_ready, buffer) + pending`
 * under the settings in force (PATCH /v1/pool, the forecast, MAX_SERVERS as clamped by the
 * account's limit), and GET /v1/status, the dashboard's snapshot and /metrics show that same
 * target and cap, never the configured numbers.
 */
const ADMIN = 'op-token';
const auth = { authorization: `Bearer ${ADMIN}` };
let orch: Orchestrator | null = null;
let emu: RunningEmulator | null = null;
afterEach(async () => {
  await orch?.close();
  await emu?.close();
  orch = emu = null;
}, 30_000);

interface PoolSeen {
  target: number;
  maxServers: number;
}

/** The target and cap the reconciler planned with: its last pool.targets_changed event. */
async function reconcilerPool(o: Orchestrator): Promise<PoolSeen & { minReady: number; buffer: number }> {
  const events = await o.store.listEvents(0, 1000);
  const last = events.filter((e) => e.kind === EventKind.PoolTargetsChanged).pop();
  expect(last, 'the pass recorded its pool targets').toBeDefined();
  const d = last!.data as { target: number; maxServers: number; minReady: number; buffer: number };
  return { target: d.target, maxServers: d.maxServers, minReady: d.minReady, buffer: d.buffer };
}

/** What /v1/status, the dashboard and /metrics each say the pool's target and cap are. */
async function viewsOf(o: Orchestrator): Promise<Record<'status' | 'dashboard' | 'metrics', PoolSeen>> {
  const status = await o.app.inject({ method: 'GET', url: '/v1/status', headers: auth });
  expect(status.statusCode).toBe(200);
  const dashboard = await o.app.inject({ method: 'GET', url: '/dashboard/api/snapshot', headers: auth });
  expect(dashboard.statusCode).toBe(200);
  const metrics = await o.app.inject({ method: 'GET', url: '/metrics' });
  expect(metrics.statusCode).toBe(200);
  const gauge = (kind: string) =>
    Number(
      new RegExp(`^orchestrator_pool_servers\\{kind="${kind}",region="[^"]+"\\} (\\S+)$`, 'm').exec(metrics.body)?.[1],
    );
  const s = status.json().pool as PoolSeen | undefined;
  const d = dashboard.json().pool as PoolSeen;
  return {
    status: { target: s?.target ?? NaN, maxServers: s?.maxServers ?? NaN },
    dashboard: { target: d.target, maxServers: d.maxServers },
    metrics: { target: gauge('target'), maxServers: gauge('max') },
  };
}

async function expectViewsAgree(o: Orchestrator, passTarget: number | undefined): Promise<PoolSeen> {
  const planned = await reconcilerPool(o);
  expect(planned.target).toBe(passTarget);
  const want = { target: planned.target, maxServers: planned.maxServers };
  expect(await viewsOf(o)).toEqual({ status: want, dashboard: want, metrics: want });
  return want;
}

describe('the pool target: the reconciler, GET /v1/status, the dashboard and /metrics agree', () => {
  it('after PATCH /v1/pool changes min_ready, buffer and max_servers at run time', async () => {
    // External idle servers fill the pool, so the passes create nothing (no game-server processes).
    orch = await testOrchestrator({ ADMIN_TOKEN: ADMIN, MAX_SERVERS: '10', POOL_MIN_READY: '0', POOL_BUFFER: '1' });
    for (let i = 1; i <= 4; i++) expect((await heartbeat(orch.app, `198.51.100.${i}`, 0)).statusCode).toBe(200);
    const patch = await orch.app.inject({
      method: 'PATCH',
      url: '/v1/pool',
      headers: auth,
      payload: { min_ready: 2, buffer: 3, max_servers: 6 },
    });
    expect(patch.statusCode).toBe(200);
    const pass = await orch.reconciler.runPass();
    expect(pass.planned?.create ?? 0).toBe(0);
    expect(await expectViewsAgree(orch, pass.pool?.target)).toEqual({ target: 3, maxServers: 6 });
    expect(await reconcilerPool(orch)).toMatchObject({ minReady: 2, buffer: 3 });
  });

  it('with POOL_POLICY=forecast: the forecast of the last pass sets the target everywhere', async () => {
    orch = await testOrchestrator({
      ADMIN_TOKEN: ADMIN,
      POOL_POLICY: 'forecast',
      POOL_TARGET_INSTANT: '0.99',
      POOL_MAX_IDLE_S: '86400',
      POOL_MIN_READY: '0',
      MAX_SERVERS: '0',
    });
    for (let i = 1; i <= 6; i++) expect((await heartbeat(orch.app, `198.51.100.${i}`, 0)).statusCode).toBe(200);
    for (let i = 0; i < 4; i++)
      expect((await orch.app.inject({ method: 'POST', url: '/sessions/start' })).statusCode).toBe(200);
    const pass = await orch.reconciler.runPass();
    const forecast = orch.reconciler.status().pool.forecast;
    expect(forecast?.target).toBeGreaterThan(0);
    expect(await expectViewsAgree(orch, pass.pool?.target)).toEqual({ target: forecast!.target, maxServers: 0 });
  });

  it("with MAX_SERVERS clamped to the DigitalOcean account's droplet_limit (emulator)", async () => {
    emu = await startEmulator({ bootDelayMs: 50, dropletLimit: 2, logger: false });
    orch = await testOrchestrator({
      ADMIN_TOKEN: ADMIN,
      PROVIDER: 'digitalocean',
      DIGITALOCEAN_TOKEN: 'dop_v1_test',
      SNAPSHOT_ID: '7555620',
      DO_API_URL: emu.url,
      DO_RETRY_BASE_MS: '20',
      READINESS: 'address',
      MAX_SERVERS: '10',
      POOL_BUFFER: '1',
    });
    const pass = await orch.reconciler.runPass();
    expect(await expectViewsAgree(orch, pass.pool?.target)).toEqual({ target: 1, maxServers: 2 });
  });
});
