import { afterEach, describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator.js';
import { testOrchestrator } from '../helpers/orchestrator.js';

/* Issue 21 items 8 and 11: answers that were 500s or silently accepted. */
let orch: Orchestrator | null = null;
afterEach(async () => {
  await orch?.close();
  orch = null;
});

const TOKEN = 'operator-token-0123456789abcdef-0123456789';
const admin = { authorization: `Bearer ${TOKEN}` };

describe('smaller edges', () => {
  it('a dashboard asset named after an object property (constructor, __proto__, toString) is a 404, not a 500', async () => {
    orch = await testOrchestrator({ ADMIN_TOKEN: TOKEN });
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      const r = await orch.app.inject({ method: 'GET', url: `/dashboard/assets/${name}` });
      expect({ name, status: r.statusCode }).toEqual({ name, status: 404 });
    }
    expect((await orch.app.inject({ method: 'GET', url: '/dashboard/assets/app.js' })).statusCode).toBe(200);
  });

  it('?limit=Infinity or 1e309 on the admin lists is a 400 invalid_input, not a 500', async () => {
    orch = await testOrchestrator({ ADMIN_TOKEN: TOKEN });
    for (const path of ['/v1/sessions', '/v1/servers'])
      for (const v of ['Infinity', '1e309', '-Infinity', '+1E999']) {
        const r = await orch.app.inject({
          method: 'GET',
          url: `${path}?limit=${encodeURIComponent(v)}`,
          headers: admin,
        });
        expect({ path, v, status: r.statusCode, code: r.json().error?.code }).toEqual({
          path,
          v,
          status: 400,
          code: 'invalid_input',
        });
      }
    expect((await orch.app.inject({ method: 'GET', url: '/v1/sessions?limit=5', headers: admin })).statusCode).toBe(
      200,
    );
  });

  it('a /v1 start with a control character in its Idempotency-Key is a 400 (as on the original start), and changes nothing', async () => {
    orch = await testOrchestrator({ MAX_SERVERS: '0' });
    for (const key of ['a\tb', 'x\u007fy', 'k\u0085']) {
      const r = await orch.app.inject({
        method: 'POST',
        url: '/v1/sessions',
        headers: { 'idempotency-key': key },
        payload: {},
      });
      expect(r.statusCode).toBe(400);
      expect(r.json().error.code).toBe('invalid_input');
    }
    expect(await orch.store.countSessions(['pending', 'active', 'ended'])).toBe(0);
    const ok = await orch.app.inject({
      method: 'POST',
      url: '/v1/sessions',
      headers: { 'idempotency-key': 'a b-1' },
      payload: {},
    });
    expect(ok.statusCode).toBe(202);
  });
});
