import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator.js';
import { heartbeat, testOrchestrator } from '../helpers/orchestrator.js';

let orch: Orchestrator;
beforeEach(async () => {
  orch = await testOrchestrator();
});
afterEach(async () => {
  await orch.close();
});

describe('original client routes', () => {
  it('GET / answers the liveness body', async () => {
    const r = await orch.app.inject({ method: 'GET', url: '/' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(r.body).toBe('{"status":"ok","service":"orchestrator"}');
  });

  it('an unknown path is 404 Not Found; a wrong method is 405 with Allow', async () => {
    const r = await orch.app.inject({ method: 'GET', url: '/nope' });
    expect(r.statusCode).toBe(404);
    expect(r.json()).toEqual({ detail: 'Not Found' });
    const m = await orch.app.inject({ method: 'GET', url: '/sessions/start' });
    expect(m.statusCode).toBe(405);
    expect(m.json()).toEqual({ detail: 'Method Not Allowed' });
    expect(m.headers.allow).toBe('POST');
    const root = await orch.app.inject({ method: 'DELETE', url: '/' });
    expect(root.statusCode).toBe(405);
    expect(root.headers.allow).toBe('GET');
  });

  it('start hands out a ready server with the reuse message, keys in order, and join finds it', async () => {
    expect((await heartbeat(orch.app, '198.51.100.7', 0)).statusCode).toBe(200);
    const r = await orch.app.inject({ method: 'POST', url: '/sessions/start' });
    expect(r.statusCode).toBe(200);
    const body = r.json();
    expect(Object.keys(body)).toEqual(['message', 'ip_address', 'share_tag']);
    expect(body.message).toBe('Reusing existing droplet');
    expect(body.ip_address).toBe('198.51.100.7');
    expect(body.share_tag).toMatch(/^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{6}$/);

    const j = await orch.app.inject({ method: 'POST', url: `/sessions/join?game_tag=${body.share_tag}` });
    expect(j.statusCode).toBe(200);
    expect(j.body).toBe('{"ip_address":"198.51.100.7"}');
    const lower = await orch.app.inject({
      method: 'POST',
      url: `/sessions/join?game_tag=%20${body.share_tag.toLowerCase()}%20`,
    });
    expect(lower.json()).toEqual({ ip_address: '198.51.100.7' });
    const twice = await orch.app.inject({
      method: 'POST',
      url: `/sessions/join?game_tag=ZZZZZZ&game_tag=${body.share_tag}`,
    });
    expect(twice.json()).toEqual({ ip_address: '198.51.100.7' });
  });

  it('a claimed server is not handed to a second start', async () => {
    await heartbeat(orch.app, '198.51.100.8', 0);
    const a = await orch.app.inject({ method: 'POST', url: '/sessions/start' });
    expect(a.statusCode).toBe(200);
    const b = await orch.app.inject({ method: 'POST', url: '/sessions/start' });
    // No other server: the second start waits (START_TIMEOUT_S=1) and gets a clear 503.
    expect(b.statusCode).toBe(503);
    expect(b.headers['retry-after']).toMatch(/^\d+$/);
    expect(b.json().detail).toMatch(/No game server became ready within 1 s/);
  });

  it('a server with players is not handed out', async () => {
    await heartbeat(orch.app, '198.51.100.9', 3);
    const r = await orch.app.inject({ method: 'POST', url: '/sessions/start' });
    expect(r.statusCode).toBe(503);
  });

  it('join: missing game_tag → 422 in FastAPI shape; unknown or empty → 404', async () => {
    const r = await orch.app.inject({ method: 'POST', url: '/sessions/join' });
    expect(r.statusCode).toBe(422);
    expect(r.json()).toEqual({
      detail: [{ type: 'missing', loc: ['query', 'game_tag'], msg: 'Field required', input: null }],
    });
    for (const q of ['ABCDEF', '', '%00%ff', 'x'.repeat(5000)]) {
      const u = await orch.app.inject({ method: 'POST', url: `/sessions/join?game_tag=${q}` });
      expect(u.statusCode).toBe(404);
      expect(u.json()).toEqual({ detail: 'Droplet not found in database.' });
    }
  });

  it('an ended session’s code is not found', async () => {
    await heartbeat(orch.app, '198.51.100.10', 0);
    const { share_tag } = (await orch.app.inject({ method: 'POST', url: '/sessions/start' })).json();
    const { endServer } = await import('../helpers/orchestrator.js');
    expect((await endServer(orch.app, '198.51.100.10')).statusCode).toBe(200);
    const j = await orch.app.inject({ method: 'POST', url: `/sessions/join?game_tag=${share_tag}` });
    expect(j.statusCode).toBe(404);
  });

  it('a body over the limit is 413 with a reason', async () => {
    const r = await orch.app.inject({
      method: 'POST',
      url: '/sessions/start',
      headers: { 'content-type': 'application/json' },
      payload: 'x'.repeat(70_000),
    });
    expect(r.statusCode).toBe(413);
    expect(r.json()).toEqual({ detail: 'Request body is too large' });
  });
});

describe('CORS', () => {
  it('a preflight from localhost on any port is allowed, with the requested headers echoed', async () => {
    const r = await orch.app.inject({
      method: 'OPTIONS',
      url: '/sessions/start',
      headers: {
        origin: 'http://localhost:5173',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-custom',
      },
    });
    expect(r.statusCode).toBe(200);
    expect(r.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    expect(r.headers['access-control-allow-methods']).toContain('POST');
    expect(r.headers['access-control-allow-headers']).toBe('content-type,x-custom');
    expect(r.headers['access-control-max-age']).toBe('600');
    expect(r.headers.vary).toContain('Origin');
    expect(r.headers['access-control-allow-credentials']).toBeUndefined();
  });
  it('a preflight from another origin is 400 Disallowed CORS origin', async () => {
    const r = await orch.app.inject({
      method: 'OPTIONS',
      url: '/sessions/start',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(r.statusCode).toBe(400);
    expect(r.body).toBe('Disallowed CORS origin');
  });
  it('simple requests: allowed origins get the header, others are served without it', async () => {
    const ok = await orch.app.inject({ method: 'GET', url: '/', headers: { origin: 'https://127.0.0.1:9' } });
    expect(ok.headers['access-control-allow-origin']).toBe('https://127.0.0.1:9');
    const other = await orch.app.inject({ method: 'GET', url: '/', headers: { origin: 'https://evil.example' } });
    expect(other.statusCode).toBe(200);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
  it('CORS_ALLOWED_ORIGINS adds origins', async () => {
    const o2 = await testOrchestrator({ CORS_ALLOWED_ORIGINS: 'https://game.example, https://other.example' });
    try {
      const r = await o2.app.inject({
        method: 'OPTIONS',
        url: '/',
        headers: { origin: 'https://other.example', 'access-control-request-method': 'GET' },
      });
      expect(r.statusCode).toBe(200);
      expect(r.headers['access-control-allow-origin']).toBe('https://other.example');
    } finally {
      await o2.close();
    }
  });
});
