import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { SNAPSHOT_IMAGE_ID, startHetznerEmulator } from '../../src/emulator/hetzner/index.js';
import type { Orchestrator } from '../../src/orchestrator.js';
import { FakeClock } from '../../src/util/clock.js';
import { testOrchestrator } from '../helpers/orchestrator.js';

const AUTH = { authorization: 'Bearer op' };
const NOON = Date.UTC(2026, 10, 30, 12);
let emu: RunningEmulator;
let orch: Orchestrator | null = null;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(async () => emu.close());
afterEach(async () => {
  await orch?.close();
  orch = null;
});

function row(id: string, origin: string, createdAtMs: number) {
  return {
    id,
    state: 'ready' as const,
    origin: origin as 'digitalocean',
    region: 'nyc3',
    providerId: null,
    ip: null,
    port: null,
    players: 0,
    createdAtMs,
    updatedAtMs: createdAtMs,
    stateChangedAtMs: createdAtMs,
    readyAtMs: createdAtMs,
    lastHeartbeatAtMs: createdAtMs,
    reason: null,
  };
}

/** An orchestrator on the DigitalOcean emulator, new machines of s-32vcpu-192gb, priced by its /v2/sizes. */
function onDigitalOcean(clock: FakeClock, env: Record<string, string> = {}): Promise<Orchestrator> {
  return testOrchestrator(
    {
      ADMIN_TOKEN: 'op',
      PROVIDER: 'digitalocean',
      DIGITALOCEAN_TOKEN: 'dop_v1_test',
      SNAPSHOT_ID: '7555620',
      DO_API_URL: emu.url,
      DROPLET_SIZE: 's-32vcpu-192gb',
      ...env,
    },
    { clock },
  );
}

describe('GET /v1/costs', () => {
  it("prices DigitalOcean servers from the provider's size list by billed lifetime, per day and per session", async () => {
    const clock = new FakeClock(NOON);
    orch = await onDigitalOcean(clock);
    const { store } = orch;
    // One droplet since yesterday 23:00 (13 h ago), deleted 1 h ago; one for 30 s; one external.
    await store.insertServer(row('a', 'digitalocean', NOON - 13 * 3_600_000));
    await store.transaction(
      async (tx) => void (await tx.transitionServer('a', ['ready'], 'deleted', {}, NOON - 3_600_000)),
    );
    await store.insertServer(row('b', 'digitalocean', NOON - 30_000));
    await store.insertServer(row('x', 'external', NOON - 50 * 3_600_000));
    const r = await orch.app.inject({ method: 'GET', url: '/v1/costs', headers: AUTH });
    expect(r.statusCode).toBe(200);
    const c = r.json();
    // The emulator's list says $960/month for this size: 960/672 an hour, rounded to 1e-5.
    const hourly = Math.round((960 / 672) * 1e5) / 1e5;
    expect(c).toMatchObject({
      currency: 'USD',
      size: 's-32vcpu-192gb',
      hourlyUsd: hourly,
      billing: expect.stringMatching(/per second/),
    });
    const a = 12 * hourly;
    const b = hourly / 60; // 30 s billed as the 60 s minimum
    expect(c.totalUsd).toBeCloseTo(a + b, 3);
    expect(c.days[0]).toEqual({ date: '2026-11-30', usd: expect.closeTo(11 * hourly + b, 3) });
    expect(c.days[1]).toEqual({ date: '2026-11-29', usd: expect.closeTo(hourly, 3) });
    expect(c.todayUsd).toBe(c.days[0].usd);
    const byId = Object.fromEntries(c.servers.map((s: { id: string; usd: number }) => [s.id, s.usd]));
    expect(byId).toEqual({ a: expect.closeTo(a, 3), b: expect.closeTo(b, 3), x: 0 });
    // The day's shape, hour by hour: `a` alive from 23:00 to 11:00 (12 full hours), `b` the last
    // 30 s of 11:00–12:00; the external server `x` is counted as alive but costs nothing.
    const day = c.last24h as { hourStartMs: number[]; regions: { servers: number[]; usd: number[] }[] };
    expect(day.hourStartMs).toHaveLength(24);
    expect(day.hourStartMs.at(-1)).toBe(NOON);
    const sum = (k: 'servers' | 'usd', i: number) => day.regions.reduce((n, r) => n + r[k][i]!, 0);
    const at = (t: number) => day.hourStartMs.indexOf(t);
    expect(sum('servers', at(NOON - 13 * 3_600_000))).toBeCloseTo(2, 2); // a and x
    expect(sum('usd', at(NOON - 13 * 3_600_000))).toBeCloseTo(hourly, 4);
    expect(sum('usd', at(NOON - 3_600_000))).toBeCloseTo(hourly / 120, 4);
    const dayUsd = day.hourStartMs.reduce((n, _, i) => n + sum('usd', i), 0);
    expect(dayUsd).toBeCloseTo(12 * hourly + hourly / 120, 3);
    // Prices are fetched once and cached.
    emu.resetCounts();
    clock.advance(10_000);
    await orch.app.inject({ method: 'GET', url: '/v1/costs', headers: AUTH });
    expect(emu.requestCounts()['GET /v2/sizes'] ?? 0).toBe(0);
    const status = (await orch.app.inject({ method: 'GET', url: '/v1/status', headers: AUTH })).json();
    expect(status.costs).toMatchObject({ currency: 'USD', size: 's-32vcpu-192gb' });
    const metrics = (await orch.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/orchestrator_spend_usd\{period="today"\} [0-9.]+/);
  });

  it('prices each machine at the size its row records: changing DROPLET_SIZE re-prices nothing already made', async () => {
    const clock = new FakeClock(NOON);
    orch = await onDigitalOcean(clock, { MAX_SERVERS: '10' });
    const { store } = orch;
    // Made 10 hours ago at the old size; one before sizes were recorded; one of a size withdrawn.
    await store.insertServer({ ...row('old', 'digitalocean', NOON - 10 * 3_600_000), size: 's-1vcpu-1gb' });
    await store.insertServer(row('unrecorded', 'digitalocean', NOON - 10 * 3_600_000));
    await store.insertServer({ ...row('withdrawn', 'digitalocean', NOON - 10 * 3_600_000), size: 's-0vcpu-gone' });
    // A start now: its row records the size it is asked for.
    expect((await orch.app.inject({ method: 'POST', url: '/v1/sessions', payload: {} })).statusCode).toBe(202);
    const made = (await store.listServers()).find((s) => s.state === 'creating');
    expect(made?.size).toBe('s-32vcpu-192gb');

    const c = (await orch.app.inject({ method: 'GET', url: '/v1/costs', headers: AUTH })).json();
    const big = Math.round((960 / 672) * 1e5) / 1e5;
    const small = 0.00743999984115362;
    const byId = Object.fromEntries(
      c.servers.map((s: { id: string; size: string | null; usd: number }) => [s.id, [s.size, s.usd]]),
    );
    expect(byId.old).toEqual(['s-1vcpu-1gb', expect.closeTo(10 * small, 4)]);
    expect(byId.unrecorded).toEqual([null, expect.closeTo(10 * big, 3)]);
    expect(byId.withdrawn).toEqual(['s-0vcpu-gone', expect.closeTo(10 * big, 3)]);
    // The dashboard prices the running machines the same way.
    const snap = (await orch.app.inject({ method: 'GET', url: '/dashboard/api/snapshot', headers: AUTH })).json();
    const dash = Object.fromEntries(snap.servers.map((s: { id: string; usd: number }) => [s.id, s.usd]));
    expect(dash.old).toBeCloseTo(10 * small, 4);
    expect(dash.unrecorded).toBeCloseTo(10 * big, 3);
  });

  it('answers at once with "prices unavailable" while the provider is unreachable, instead of waiting for its retries', async () => {
    orch = await testOrchestrator({
      ADMIN_TOKEN: 'op',
      PROVIDER: 'digitalocean',
      DIGITALOCEAN_TOKEN: 'dop_v1_secret_token',
      SNAPSHOT_ID: '7555620',
      DO_API_URL: 'http://127.0.0.1:9',
      // The client would retry for minutes, far past this test's time limit.
      DO_MAX_RETRIES: '3',
      DO_RETRY_BASE_MS: '60000',
      DO_RETRY_MAX_MS: '60000',
      COSTS_PRICE_WAIT_MS: '100',
    });
    const costs = await orch.app.inject({ method: 'GET', url: '/v1/costs', headers: AUTH });
    expect(costs.statusCode).toBe(503);
    expect(costs.json().error).toMatchObject({
      code: 'unavailable',
      message: expect.stringMatching(/Prices are unavailable/),
    });
    expect(costs.headers['retry-after']).toBe('30');
    expect(costs.body).not.toContain('dop_v1_secret_token');
    const status = await orch.app.inject({ method: 'GET', url: '/v1/status', headers: AUTH });
    expect(status.statusCode).toBe(200);
    expect(status.json().costs).toEqual({ error: 'prices unavailable' });
    const metrics = await orch.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).not.toMatch(/orchestrator_spend_usd\{/);
    const snap = await orch.app.inject({ method: 'GET', url: '/dashboard/api/snapshot', headers: AUTH });
    expect(snap.statusCode).toBe(200);
    expect(snap.json().costs).toBeNull();
  });

  it('costs nothing on the local provider', async () => {
    orch = await testOrchestrator({ ADMIN_TOKEN: 'op' });
    await orch.store.insertServer(row('l', 'local', Date.now() - 3_600_000));
    const c = (await orch.app.inject({ method: 'GET', url: '/v1/costs', headers: AUTH })).json();
    expect(c).toMatchObject({ size: null, hourlyUsd: 0, todayUsd: 0, totalUsd: 0 });
    expect(c.servers[0]).toMatchObject({ id: 'l', usd: 0 });
  });
});

describe('GET /v1/costs on Hetzner Cloud', () => {
  it('prices each server by its provider\u2019s rule: a started hour is billed in full', async () => {
    const hz = await startHetznerEmulator();
    try {
      const clock = new FakeClock(NOON);
      orch = await testOrchestrator(
        {
          ADMIN_TOKEN: 'op',
          PROVIDER: 'hetzner',
          HCLOUD_TOKEN: 'hz-test',
          HCLOUD_IMAGE: String(SNAPSHOT_IMAGE_ID),
          HCLOUD_API_URL: hz.url,
          HCLOUD_SERVER_TYPE: 'cpx22',
        },
        { clock },
      );
      const { store } = orch;
      // One server 5 minutes old (a whole hour), one that lived 61 minutes (two hours), one external.
      await store.insertServer(row('h', 'hetzner', NOON - 5 * 60_000));
      await store.insertServer(row('g', 'hetzner', NOON - 120 * 60_000));
      await store.transaction(
        async (tx) => void (await tx.transitionServer('g', ['ready'], 'deleted', {}, NOON - 59 * 60_000)),
      );
      await store.insertServer(row('x', 'external', NOON - 50 * 3_600_000));
      const c = (await orch.app.inject({ method: 'GET', url: '/v1/costs', headers: AUTH })).json();
      // The emulator's cpx22 in fsn1: 0.0112 an hour (a placeholder price, net).
      expect(c).toMatchObject({ size: 'cpx22', hourlyUsd: 0.0112, billing: expect.stringMatching(/hourly/) });
      const byId = Object.fromEntries(c.servers.map((s: { id: string; usd: number }) => [s.id, s.usd]));
      expect(byId).toEqual({ h: expect.closeTo(0.0112, 4), g: expect.closeTo(0.0224, 4), x: 0 });
      expect(c.totalUsd).toBeCloseTo(0.0336, 4);
    } finally {
      await orch?.close();
      orch = null;
      await hz.close();
    }
  });
});
