import { afterEach, expect, it } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator.js';
import { heartbeat, testOrchestrator } from '../helpers/orchestrator.js';

/**
 * Issue 21 item 1: with CLIENT_API_KEYS set, 16 anonymous starts on the original route took 10
 * of 10 servers and a keyed /v1 start waited behind them. The fleet here is 10 external servers
 * (registered by signed heartbeats), so the test needs no machines.
 */
const FLEET = 10;
const KEY = 'studio-client-key';
let orch: Orchestrator | null = null;

afterEach(async () => {
  await orch?.close();
  orch = null;
});

async function fleetOf(env: Record<string, string>): Promise<{ o: Orchestrator; url: string }> {
  const o = await testOrchestrator({ MAX_SERVERS: '0', CLIENT_API_KEYS: KEY, SESSIONS_PER_ADDRESS: '2', ...env });
  for (let i = 0; i < FLEET; i++) expect((await heartbeat(o.app, `192.0.2.${10 + i}`, 0)).statusCode).toBe(200);
  const url = await o.app.listen({ port: 0, host: '127.0.0.1' });
  return { o, url };
}

it('300 anonymous starts from one address hold 2 servers; a keyed /v1 start still gets one at once', async () => {
  const { o, url } = await fleetOf({});
  orch = o;
  const answers = await Promise.all(
    Array.from({ length: 300 }, () => fetch(`${url}/sessions/start`, { method: 'POST' }).then((r) => r.status)),
  );
  expect(answers.filter((s) => s === 200)).toHaveLength(2);
  expect(answers.filter((s) => s === 429)).toHaveLength(298);
  const keyed = await fetch(`${url}/v1/sessions`, {
    method: 'POST',
    headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
    body: '{}',
  });
  expect(keyed.status).toBe(201);
  expect(((await keyed.json()) as { state: string }).state).toBe('active');
  const refused = await fetch(`${url}/sessions/start`, { method: 'POST' });
  expect(await refused.json()).toEqual({ detail: expect.stringMatching(/cap is 2/) as unknown });
}, 60_000);

it('an IPv6 client is capped by its /64, and the cap counts across both APIs', async () => {
  orch = (await fleetOf({ CLIENT_API_KEYS: '' })).o;
  const from = (remoteAddress: string, url: string) => orch!.app.inject({ method: 'POST', url, remoteAddress });
  expect((await from('2001:db8:1:2::a', '/sessions/start')).statusCode).toBe(200);
  expect((await from('2001:db8:1:2:ffff::b', '/v1/sessions')).statusCode).toBe(201);
  expect((await from('2001:db8:1:2::c', '/sessions/start')).statusCode).toBe(429);
  expect((await from('2001:db8:1:2::c', '/v1/sessions')).statusCode).toBe(429);
  // Another /64 has its own budget.
  expect((await from('2001:db8:1:3::a', '/sessions/start')).statusCode).toBe(200);
});

it('ORIGINAL_ROUTES_NEED_KEY puts the original start and join behind CLIENT_API_KEYS', async () => {
  const { o, url } = await fleetOf({ ORIGINAL_ROUTES_NEED_KEY: 'true' });
  orch = o;
  const bare = await fetch(`${url}/sessions/start`, { method: 'POST' });
  expect(bare.status).toBe(401);
  expect(await bare.json()).toEqual({ detail: expect.any(String) as unknown });
  expect((await fetch(`${url}/sessions/join?game_tag=ABCDEF`, { method: 'POST' })).status).toBe(401);
  const keyed = await fetch(`${url}/sessions/start`, { method: 'POST', headers: { 'x-api-key': KEY } });
  expect(keyed.status).toBe(200);
  const { share_tag } = (await keyed.json()) as { share_tag: string };
  const join = await fetch(`${url}/sessions/join?game_tag=${share_tag}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}` },
  });
  expect(join.status).toBe(200);
});
