import { afterEach, describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator.js';
import { heartbeat, testOrchestrator } from '../helpers/orchestrator.js';

let orch: Orchestrator;
afterEach(async () => orch.close());

describe('GET /v1/status (operators)', () => {
  it('is disabled without ADMIN_TOKEN', async () => {
    orch = await testOrchestrator();
    const r = await orch.app.inject({ method: 'GET', url: '/v1/status' });
    expect(r.statusCode).toBe(503);
    // /v1 answers in the service's own shape, not the original's `detail`.
    expect(r.json().error).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/ADMIN_TOKEN/) });
  });

  it('needs the bearer token and shows servers and sessions by state and the reconciler', async () => {
    orch = await testOrchestrator({ ADMIN_TOKEN: 'op-token' });
    await heartbeat(orch.app, '198.51.100.1', 0);
    await heartbeat(orch.app, '198.51.100.2', 0);
    await orch.app.inject({ method: 'POST', url: '/sessions/start' });
    for (const auth of [undefined, 'Bearer wrong', 'op-token', 'Bearer op-token2']) {
      const r = await orch.app.inject({
        method: 'GET',
        url: '/v1/status',
        headers: auth ? { authorization: auth } : {},
      });
      expect(r.statusCode).toBe(401);
      expect(r.body).not.toContain('op-token');
    }
    const r = await orch.app.inject({
      method: 'GET',
      url: '/v1/status',
      headers: { authorization: 'Bearer op-token' },
    });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(body.provider).toBe('local');
    expect(body.servers).toEqual({ ready: 1, allocated: 1 });
    expect(body.sessions).toEqual({ pending: 0, active: 1 });
    expect(body.reconciler).toHaveProperty('outage');
  });
});
