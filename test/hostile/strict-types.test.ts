import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator.js';
import { testOrchestrator } from '../helpers/orchestrator.js';
import { readyServer, serverCall } from '../http/v1/v1-helpers.js';

/**
 * Issue 21 item 11: /v1 coerced `players: "3" | true | null` to 3, 1 and 0 (Fastify's Ajv
 * coerces every part of a request), and the OpenAPI document declared security schemes that
 * no operation used.
 */
const ADMIN = 'an-admin-token-long-enough-for-32-chars';
const admin = { authorization: `Bearer ${ADMIN}` };
let orch: Orchestrator;

beforeEach(async () => {
  orch = await testOrchestrator({ ADMIN_TOKEN: ADMIN, MAX_SERVERS: '0' });
});
afterEach(async () => {
  await orch.close();
});

it('a /v1 heartbeat whose players is a string, a boolean or null is a 400 and counts nothing', async () => {
  const s = await readyServer(orch, '192.0.2.30', 2);
  for (const players of ['3', true, null, 2.5, '1e309']) {
    const r = await serverCall(orch, s.id, 'heartbeat', s.credential, { players });
    expect({ players, status: r.statusCode, code: r.json<{ error?: { code: string } }>().error?.code }).toEqual({
      players,
      status: 400,
      code: 'invalid_input',
    });
    expect((await orch.store.getServer(s.id))!.players).toBe(2);
  }
  expect((await serverCall(orch, s.id, 'heartbeat', s.credential, { players: 3 })).statusCode).toBe(200);
  expect((await orch.store.getServer(s.id))!.players).toBe(3);
});

it('other /v1 bodies are strict too; query numbers are plain decimals', async () => {
  for (const max_players of ['4', true, null]) {
    const r = await orch.app.inject({ method: 'POST', url: '/v1/sessions', payload: { max_players } });
    expect(r.statusCode, JSON.stringify(max_players)).toBe(400);
  }
  const pool = await orch.app.inject({ method: 'PATCH', url: '/v1/pool', headers: admin, payload: { buffer: '2' } });
  expect(pool.statusCode).toBe(400);
  for (const limit of ['Infinity', '1e309', '1e2', '0x10', ' 5', '5.0'])
    expect(
      (await orch.app.inject({ method: 'GET', url: `/v1/servers?limit=${encodeURIComponent(limit)}`, headers: admin }))
        .statusCode,
      limit,
    ).toBe(400);
  expect((await orch.app.inject({ method: 'GET', url: '/v1/servers?limit=5', headers: admin })).statusCode).toBe(200);
});

it('OpenAPI: every operation declares its security, every declared scheme is used, and anonymous calls meet it', async () => {
  type Op = { security?: Record<string, string[]>[]; parameters?: unknown[] };
  const doc = (await orch.app.inject({ method: 'GET', url: '/openapi.json' })).json<{
    paths: Record<string, Record<string, Op>>;
    components: { securitySchemes: Record<string, unknown> };
  }>();
  const used = new Set<string>();
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      expect(op.security, `${method} ${path}`).toBeInstanceOf(Array);
      for (const req of op.security!) for (const name of Object.keys(req)) used.add(name);
      // Without credentials: an operation that needs one says 401; one anyone may call does not.
      const anyone = op.security!.length === 0 || op.security!.some((r) => Object.keys(r).length === 0);
      // The stream is held open; the login takes the token in its form (no scheme, 401 when wrong).
      if (path === '/v1/events/stream' || path === '/dashboard/login') continue;
      const url = path.replace(/\{[^}]+\}/g, 'ZZZZZZ');
      const r = await orch.app.inject({ method: method.toUpperCase() as 'GET', url });
      if (anyone) expect(r.statusCode, `${method} ${path}`).not.toBe(401);
      else expect(r.statusCode, `${method} ${path}`).toBe(401);
    }
  }
  expect([...used].sort()).toEqual(Object.keys(doc.components.securitySchemes).sort());
});
