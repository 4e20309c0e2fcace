import { afterEach, describe, expect, it } from 'vitest';
import { EndReason } from '../../src/domain/session.js';
import type { Orchestrator } from '../../src/orchestrator.js';
import { heartbeat, testOrchestrator } from '../helpers/orchestrator.js';
import { makeServer } from '../store/fixtures.js';
import { readyServer, serverCall, startV1 } from './v1/v1-helpers.js';

/** Issue 18: a rule the original's routes and /v1 both follow, checked on both. */
let orch: Orchestrator;
afterEach(async () => orch?.close());

type Surface = 'original' | 'v1';
const SURFACES: Surface[] = ['original', 'v1'];

/** A start with a key on a surface: the share code it answered, or its status when refused. */
async function startOn(o: Orchestrator, surface: Surface, key: string) {
  const headers = { 'idempotency-key': key };
  if (surface === 'v1') {
    const r = await startV1(o, undefined, headers);
    return { status: r.statusCode, code: r.statusCode < 300 ? (r.json().code as string) : null };
  }
  const r = await o.app.inject({ method: 'POST', url: '/sessions/start', headers });
  return { status: r.statusCode, code: r.statusCode === 200 ? (r.json().share_tag as string) : null };
}

/** A pending session under `key` (a /v1 start: it does not wait), ended for `reason` before it got a server. */
async function keyWhoseSessionEnded(o: Orchestrator, key: string, reason: EndReason) {
  const code = (await startV1(o, undefined, { 'idempotency-key': key })).json().code as string;
  const [session] = await o.store.listSessions(['pending']);
  expect(session?.code).toBe(code);
  expect(await o.ops.endSessionNow(session!, reason)).not.toBeNull();
  return code;
}

describe('one Idempotency-Key rule on both APIs', () => {
  for (const surface of SURFACES) {
    it(`${surface}: a key whose start failed (timed out before a server) starts a new session on retry`, async () => {
      orch = await testOrchestrator({ MAX_SERVERS: '0' });
      const old = await keyWhoseSessionEnded(orch, 'k-timeout', EndReason.StartTimeout);
      await heartbeat(orch.app, '198.51.100.40', 0);
      const retry = await startOn(orch, surface, 'k-timeout');
      expect(retry.status).toBeLessThan(300);
      expect(retry.code).not.toBe(old);
      // The key now names the new session.
      expect((await startOn(orch, surface, 'k-timeout')).code).toBe(retry.code);
      expect(await orch.store.countSessions(['active', 'pending'])).toBe(1);
    });

    it(`${surface}: a key whose session an operator cancelled is refused (409), and nothing starts`, async () => {
      orch = await testOrchestrator({ MAX_SERVERS: '0' });
      await keyWhoseSessionEnded(orch, 'k-cancel', EndReason.Cancelled);
      await heartbeat(orch.app, '198.51.100.41', 0);
      expect((await startOn(orch, surface, 'k-cancel')).status).toBe(409);
      expect(await orch.store.countSessions(['active', 'pending'])).toBe(0);
    });
  }
});

describe('a /v1 heartbeat reporting another live server’s address', () => {
  it('is a 409 address_conflict (as on the original route), and changes nothing', async () => {
    orch = await testOrchestrator();
    await readyServer(orch, '198.51.100.50');
    // A server we made, still booting: its provider has not reported an address yet.
    const booting = makeServer({
      state: 'creating',
      origin: 'local',
      ip: null,
      readyAtMs: null,
      lastHeartbeatAtMs: null,
    });
    await orch.store.insertServer(booting);
    const r = await serverCall(orch, booting.id, 'heartbeat', orch.ops.credentialFor(booting.id), {
      players: 0,
      address: '198.51.100.50',
    });
    expect(r.statusCode).toBe(409);
    expect(r.json().error).toMatchObject({
      code: 'address_conflict',
      message: expect.stringMatching(/198\.51\.100\.50/),
    });
    expect(await orch.store.getServer(booting.id)).toMatchObject({
      state: 'creating',
      ip: null,
      lastHeartbeatAtMs: null,
    });
  });
});

describe('rate limits count a client in one spelling on both APIs', () => {
  for (const surface of SURFACES) {
    it(`${surface}: ::ffff:127.0.0.1 and 127.0.0.1 share one start bucket`, async () => {
      orch = await testOrchestrator({ START_RATE_LIMIT_PER_MIN: '1', MAX_SERVERS: '0', START_TIMEOUT_S: '0.05' });
      const url = surface === 'v1' ? '/v1/sessions' : '/sessions/start';
      const first = await orch.app.inject({ method: 'POST', url, remoteAddress: '::ffff:127.0.0.1' });
      expect(first.statusCode).not.toBe(429);
      const second = await orch.app.inject({ method: 'POST', url, remoteAddress: '127.0.0.1' });
      expect(second.statusCode).toBe(429);
    });
  }
});
