import { afterEach, describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator.js';
import { eventually, HttpReceiver } from '../helpers/http-receiver.js';
import { endServer, heartbeat, testOrchestrator } from '../helpers/orchestrator.js';

let orch: Orchestrator | null = null;
let rx: HttpReceiver | null = null;
afterEach(async () => {
  await orch?.close();
  orch = null;
  await rx?.close();
  rx = null;
});

/** Prometheus text → { 'name{labels}': value } (labels as written). */
function parse(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    m.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return m;
}

async function scrape(o: Orchestrator): Promise<{ text: string; values: Map<string, number> }> {
  const r = await o.app.inject({ method: 'GET', url: '/metrics' });
  expect(r.statusCode).toBe(200);
  expect(r.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return { text: r.body, values: parse(r.body) };
}

describe('/metrics per region', () => {
  it("labels the fleet and pool gauges with each region; /v1/status shows each region's pool", async () => {
    orch = await testOrchestrator({
      READINESS: 'address',
      MAX_SERVERS: '6',
      POOL_MIN_READY: '1',
      REGIONS: 'local-a,local-b,local-c',
      REGION_POOL_MIN_READY: 'local-b=2',
      REGION_MAX_SERVERS: 'local-c=1',
      ADMIN_TOKEN: 'metrics-regions-admin',
    });
    await orch.reconciler.runPass();
    await orch.reconciler.runPass();
    const v = (await scrape(orch)).values;
    expect(v.get('orchestrator_servers{state="ready",region="local-a"}')).toBe(1);
    expect(v.get('orchestrator_servers{state="ready",region="local-b"}')).toBe(2);
    expect(v.get('orchestrator_servers{state="ready",region="local-c"}')).toBe(0);
    expect(v.get('orchestrator_pool_servers{kind="target",region="local-b"}')).toBe(2);
    expect(v.get('orchestrator_pool_servers{kind="idle",region="local-b"}')).toBe(2);
    expect(v.get('orchestrator_pool_servers{kind="target",region="local-c"}')).toBe(0);
    expect(v.get('orchestrator_pool_servers{kind="max",region="local-c"}')).toBe(1);
    expect(v.get('orchestrator_pool_servers{kind="max",region="local-a"}')).toBe(6);
    const headers = { authorization: 'Bearer metrics-regions-admin' };
    const status = (await orch.app.inject({ method: 'GET', url: '/v1/status', headers })).json<{
      pool: { regions: { region: string; target: number; maxServers: number }[] };
    }>();
    expect(status.pool.regions.map((r) => [r.region, r.target, r.maxServers])).toEqual([
      ['local-a', 1, 6],
      ['local-b', 2, 6],
      ['local-c', 0, 1],
    ]);
  });
});

describe('/metrics', () => {
  it('counts a warm start, a cold start and an end, with latency, fleet gauges, provider calls, a pass and webhooks', async () => {
    rx = await new HttpReceiver().listen();
    orch = await testOrchestrator({
      READINESS: 'address',
      MAX_SERVERS: '4',
      POOL_BUFFER: '1',
      WEBHOOK_URL: rx.url,
      WEBHOOK_SECRET: 's',
      EVENTS_POLL_MS: '20',
      START_TIMEOUT_S: '10',
    });
    const before = (await scrape(orch)).values;
    expect(before.get('orchestrator_sessions_started_total{start="warm"}') ?? 0).toBe(0);

    await heartbeat(orch.app, '198.51.100.1', 0);
    const warm = await orch.app.inject({ method: 'POST', url: '/sessions/start' });
    expect(warm.json().message).toBe('Reusing existing droplet');
    // No ready server left: this one makes a local server (a cold start).
    const cold = await orch.app.inject({ method: 'POST', url: '/sessions/start' });
    expect(cold.statusCode).toBe(200);
    expect(cold.json().message).toBeUndefined();
    expect((await endServer(orch.app, '198.51.100.1')).statusCode).toBe(200);
    await orch.reconciler.runPass();
    const lastId = await orch.store.lastEventId();
    await eventually(
      async () => (await orch!.view.webhooks!.status())[0]!.cursor === lastId,
      5000,
      'webhooks caught up',
    );

    const { text, values: v } = await scrape(orch);
    expect(v.get('orchestrator_sessions_started_total{start="warm"}')).toBe(1);
    expect(v.get('orchestrator_sessions_started_total{start="cold"}')).toBe(1);
    expect(v.get('orchestrator_sessions_ended_total{reason="server_ended"}')).toBe(1);
    expect(v.get('orchestrator_session_start_seconds_count{start="warm"}')).toBe(1);
    expect(v.get('orchestrator_session_start_seconds_count{start="cold"}')).toBe(1);
    expect(v.get('orchestrator_session_start_seconds_sum{start="cold"}')).toBeGreaterThan(0);
    // The cold server holds its session; the external one is gone after its end; the pass made
    // one for the pool (POOL_BUFFER=1), ready at once (READINESS=address).
    expect(v.get('orchestrator_servers{state="allocated",region="local"}')).toBe(1);
    expect(v.get('orchestrator_servers{state="ready",region="local"}')).toBe(1);
    expect(v.get('orchestrator_sessions{state="active"}')).toBe(1);
    expect(v.get('orchestrator_sessions{state="pending"}')).toBe(0);
    expect(
      v.get('orchestrator_provider_calls_total{provider="local",operation="create",outcome="ok"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(v.get('orchestrator_provider_calls_total{provider="local",operation="list",outcome="ok"}')).toBe(1);
    expect(v.get('orchestrator_reconcile_pass_seconds_count{outcome="ok"}')).toBe(1);
    // The pass filled the pool (POOL_BUFFER=1): one create took effect.
    expect(v.get('orchestrator_reconcile_actions_total{action="create"}')).toBe(1);
    expect(v.get('orchestrator_pool_servers{kind="target",region="local"}')).toBe(1);
    expect(v.get('orchestrator_pool_servers{kind="max",region="local"}')).toBe(4);
    expect(v.get('orchestrator_webhook_deliveries_total{outcome="delivered"}')).toBe(lastId);
    expect(v.has('orchestrator_heartbeat_age_seconds{stat="max"}')).toBe(true);
    for (const family of [
      'orchestrator_server_transitions_total',
      'orchestrator_provider_call_seconds',
      'orchestrator_spend_usd',
    ]) {
      expect(text).toContain(`# TYPE ${family}`);
    }
  });

  it('wants METRICS_TOKEN when one is set', async () => {
    orch = await testOrchestrator({ METRICS_TOKEN: 'scrape-me' });
    expect((await orch.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    const ok = await orch.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: 'Bearer scrape-me' },
    });
    expect(ok.statusCode).toBe(200);
  });
});

describe('/healthz and /readyz', () => {
  it('are alive and ready with a database and a provider that answer', async () => {
    orch = await testOrchestrator();
    expect((await orch.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    await orch.reconciler.runPass();
    const r = await orch.app.inject({ method: 'GET', url: '/readyz' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ status: 'ready', checks: { database: 'ok', provider: 'ok' } });
  });

  it('is not ready when the provider cannot be listed (DigitalOcean at a closed port)', async () => {
    orch = await testOrchestrator({
      PROVIDER: 'digitalocean',
      DIGITALOCEAN_TOKEN: 'dop_v1_secret',
      SNAPSHOT_ID: 'ubuntu-24-04-x64',
      DO_API_URL: 'http://127.0.0.1:9',
      DO_MAX_RETRIES: '0',
    });
    await orch.reconciler.runPass();
    const r = await orch.app.inject({ method: 'GET', url: '/readyz' });
    expect(r.statusCode).toBe(503);
    expect(r.json().checks).toEqual({ database: 'ok', provider: expect.stringMatching(/could not list/) });
    expect(r.body).not.toContain('dop_v1_secret');
    // Alive all the same: a load balancer should not restart it for a cloud outage.
    expect((await orch.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    const m = parse((await orch.app.inject({ method: 'GET', url: '/metrics' })).body);
    expect(m.get('orchestrator_provider_http_requests_total{route="GET /v2/droplets",outcome="network"}')).toBe(1);
    // Spent: the pass's listing, and the start-up read of the account's droplet limit (tried twice).
    expect(m.get('orchestrator_provider_http_requests_total{route="GET /v2/account",outcome="network"}')).toBe(2);
    expect(m.get('orchestrator_provider_rate_budget_remaining{window="minute"}')).toBe(247);
  });
});
