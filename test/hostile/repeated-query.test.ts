import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator.js';
import { heartbeat, TEST_KEY, testOrchestrator } from '../helpers/orchestrator.js';
import { signedHeaders } from '../helpers/sign.js';

/**
 * Issue 21 item 6: `/server/end?droplet_ip=<one>&droplet_ip=<another>` ended the session of the
 * last address named (the last value won), whatever the caller meant. A query parameter a
 * route reads, given twice, is refused: 422 on the original routes (after the signature is
 * checked, so an unsigned caller still learns nothing but 401), 400 on /v1 (its status for
 * every bad input). The original join keeps "the last value counts": its contract says so.
 */
const ADMIN = 'a-long-enough-admin-token-of-32-chars';
let orch: Orchestrator;

beforeEach(async () => {
  orch = await testOrchestrator({ ADMIN_TOKEN: ADMIN, MAX_SERVERS: '0' });
});
afterEach(async () => {
  await orch.close();
});

async function liveSessionOn(ip: string): Promise<string> {
  expect((await heartbeat(orch.app, ip, 0)).statusCode).toBe(200);
  const r = await orch.app.inject({ method: 'POST', url: '/sessions/start' });
  expect(r.json<{ ip_address: string }>().ip_address).toBe(ip);
  return r.json<{ share_tag: string }>().share_tag;
}

it('a signed end naming droplet_ip twice is a 422 and ends nothing', async () => {
  const code = await liveSessionOn('192.0.2.20');
  for (const path of ['/server/end', '/sessions/end']) {
    const url = `${path}?droplet_ip=192.0.2.99&droplet_ip=192.0.2.20`;
    const r = await orch.app.inject({ method: 'POST', url, headers: signedHeaders(TEST_KEY, 'POST', url) });
    expect(r.statusCode).toBe(422);
    expect(r.json()).toEqual({
      detail: [
        {
          type: 'value_error',
          loc: ['query', 'droplet_ip'],
          msg: 'Value error, droplet_ip is given more than once',
          input: ['192.0.2.99', '192.0.2.20'],
          ctx: { error: {} },
        },
      ],
    });
    // Unsigned, the same request learns nothing but 401.
    expect((await orch.app.inject({ method: 'POST', url })).statusCode).toBe(401);
  }
  const join = await orch.app.inject({ method: 'POST', url: `/sessions/join?game_tag=${code}` });
  expect(join.json()).toEqual({ ip_address: '192.0.2.20' });
});

it('/v1: a query parameter given twice is a 400 that says so, on client and operator routes', async () => {
  const code = await liveSessionOn('192.0.2.21');
  const auth = { authorization: `Bearer ${ADMIN}` };
  for (const [url, name] of [
    [`/v1/sessions/${code}?wait=1&wait=2`, 'wait'],
    [`/v1/sessions/${code}?state=pending&state=active`, 'state'],
    ['/v1/sessions?limit=1&limit=2', 'limit'],
    ['/v1/servers?state=ready&state=allocated', 'state'],
  ] as const) {
    const r = await orch.app.inject({ method: 'GET', url, headers: auth });
    expect(r.statusCode, url).toBe(400);
    expect(r.json(), url).toEqual({
      error: { code: 'invalid_input', message: `${name} is given more than once` },
    });
  }
});
