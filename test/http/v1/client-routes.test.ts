import { afterEach, describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../../src/orchestrator.js';
import { FakeClock } from '../../../src/util/clock.js';
import { heartbeat, testOrchestrator } from '../../helpers/orchestrator.js';
import { admin, ADMIN, readyServer, serverCall, startV1 } from './v1-helpers.js';

let orch: Orchestrator;
afterEach(async () => orch?.close());

describe('POST /v1/sessions', () => {
  it('answers 201 with the active session when a server was ready', async () => {
    orch = await testOrchestrator();
    await readyServer(orch, '198.51.100.1');
    const r = await startV1(orch, { max_players: 4, metadata: { mode: 'coop' } });
    expect(r.statusCode).toBe(201);
    const s = r.json();
    expect(s).toMatchObject({
      state: 'active',
      address: '198.51.100.1',
      players: 0,
      max_players: 4,
      metadata: { mode: 'coop' },
      end_reason: null,
    });
    expect(s.code).toMatch(/^[A-Z2-9]{6}$/);
    expect(r.headers.location).toBe(`/v1/sessions/${s.code}`);
  });

  it('answers 202 with the pending session and a Location when no server is ready, without waiting', async () => {
    orch = await testOrchestrator({ MAX_SERVERS: '0', START_TIMEOUT_S: '600' });
    const r = await startV1(orch);
    expect(r.statusCode).toBe(202);
    expect(r.json()).toMatchObject({ state: 'pending', address: null, max_players: null, metadata: null });
    expect(r.headers.location).toBe(`/v1/sessions/${r.json().code}`);
  });

  it('lets a browser game from an allowed origin read Location and Retry-After (CORS)', async () => {
    orch = await testOrchestrator({ MAX_SERVERS: '0' });
    const r = await startV1(orch, undefined, { origin: 'http://localhost:5173' });
    expect(r.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    expect(r.headers['access-control-expose-headers']).toBe('Location, Retry-After');
    expect(
      (await startV1(orch, undefined, { origin: 'https://evil.example' })).headers['access-control-expose-headers'],
    ).toBeUndefined();
  });

  it('the same Idempotency-Key returns the same session', async () => {
    orch = await testOrchestrator({ MAX_SERVERS: '0' });
    const a = await startV1(orch, undefined, { 'idempotency-key': 'k-1' });
    const b = await startV1(orch, undefined, { 'idempotency-key': 'k-1' });
    expect(b.json().code).toBe(a.json().code);
    expect(await orch.store.countSessions(['pending'])).toBe(1);
  });

  it('a key whose session has ended → 409, never a second session under the same key', async () => {
    orch = await testOrchestrator({ MAX_SERVERS: '0', ADMIN_TOKEN: ADMIN });
    const a = await startV1(orch, undefined, { 'idempotency-key': 'k-ended' });
    await orch.app.inject({ method: 'DELETE', url: `/v1/sessions/${a.json().code}`, headers: admin });
    const again = await startV1(orch, undefined, { 'idempotency-key': 'k-ended' });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('conflict');
    expect(await orch.store.countSessions(['pending', 'active'])).toBe(0);
  });

  it('refuses bad bodies with 400 in the v1 shape and changes nothing', async () => {
    orch = await testOrchestrator({ V1_METADATA_MAX_BYTES: '64' });
    const cases: [unknown, string | undefined][] = [
      [{ max_players: 0 }, undefined],
      [{ max_players: 'four' }, undefined],
      [{ metadata: [1, 2] }, undefined],
      [{ metadata: { big: 'x'.repeat(100) } }, undefined],
      ['{not json', 'application/json'],
    ];
    for (const [payload, ct] of cases) {
      const r = await orch.app.inject({
        method: 'POST',
        url: '/v1/sessions',
        headers: { 'content-type': ct ?? 'application/json' },
        payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
      });
      expect(r.statusCode, JSON.stringify(payload)).toBe(400);
      expect(r.json().error.code).toBe('invalid_input');
      expect(typeof r.json().error.message).toBe('string');
    }
    expect(await orch.store.countSessions(['pending', 'active'])).toBe(0);
  });

  it('is rate-limited per client address', async () => {
    orch = await testOrchestrator({ MAX_SERVERS: '0', START_RATE_LIMIT_PER_MIN: '2' });
    expect((await startV1(orch)).statusCode).toBe(202);
    expect((await startV1(orch)).statusCode).toBe(202);
    const r = await startV1(orch);
    expect(r.statusCode).toBe(429);
    expect(r.json().error.code).toBe('rate_limited');
    expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('CLIENT_API_KEYS', () => {
  it('when set, client routes need X-Api-Key or a bearer key', async () => {
    orch = await testOrchestrator({ CLIENT_API_KEYS: 'key-a, key-b', MAX_SERVERS: '0', ADMIN_TOKEN: ADMIN });
    for (const h of [{}, { 'x-api-key': 'nope' }, { authorization: 'Bearer nope' }] as Record<string, string>[]) {
      const r = await startV1(orch, undefined, h);
      expect(r.statusCode).toBe(401);
      expect(r.json().error.code).toBe('unauthorized');
      expect(r.body).not.toContain('key-a');
    }
    const ok = await startV1(orch, undefined, { 'x-api-key': 'key-b' });
    expect(ok.statusCode).toBe(202);
    const code = ok.json().code;
    expect((await startV1(orch, undefined, { authorization: 'Bearer key-a' })).statusCode).toBe(202);
    expect((await orch.app.inject({ method: 'GET', url: `/v1/sessions/${code}` })).statusCode).toBe(401);
    expect((await orch.app.inject({ method: 'POST', url: `/v1/sessions/${code}/join` })).statusCode).toBe(401);
    expect(
      (await orch.app.inject({ method: 'GET', url: `/v1/sessions/${code}`, headers: { 'x-api-key': 'key-a' } }))
        .statusCode,
    ).toBe(200);
    expect((await orch.app.inject({ method: 'GET', url: `/v1/sessions/${code}`, headers: admin })).statusCode).toBe(
      200,
    );
  });
});

describe('GET /v1/sessions/{code}', () => {
  it('shows state, address, port, players, max players, times and end reason; codes match in any case', async () => {
    orch = await testOrchestrator();
    const srv = await readyServer(orch, '198.51.100.7');
    const code = (await startV1(orch, { max_players: 3 })).json().code as string;
    await serverCall(orch, srv.id, 'heartbeat', srv.credential, { players: 2 });
    const r = await orch.app.inject({ method: 'GET', url: `/v1/sessions/${code.toLowerCase()}` });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({
      code,
      state: 'active',
      address: '198.51.100.7',
      players: 2,
      max_players: 3,
      ended_at: null,
    });
    expect(Date.parse(r.json().created_at)).toBeGreaterThan(0);
    expect(Date.parse(r.json().activated_at)).toBeGreaterThan(0);
    await serverCall(orch, srv.id, 'end', srv.credential);
    const ended = (await orch.app.inject({ method: 'GET', url: `/v1/sessions/${code}` })).json();
    expect(ended).toMatchObject({ state: 'ended', end_reason: 'server_ended', address: null });
  });

  it('unknown code → 404 in the v1 shape, and counts against the address like a failed join', async () => {
    orch = await testOrchestrator({ JOIN_FAIL_LIMIT_PER_MIN: '2' });
    for (let i = 0; i < 2; i++) {
      const r = await orch.app.inject({ method: 'GET', url: '/v1/sessions/ZZZZZZ' });
      expect(r.statusCode).toBe(404);
      expect(r.json()).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
    }
    const r = await orch.app.inject({ method: 'GET', url: '/v1/sessions/ZZZZZZ' });
    expect(r.statusCode).toBe(429);
    // The same budget as the original's join: a guesser cannot double it by using both APIs.
    const legacy = await orch.app.inject({ method: 'POST', url: '/sessions/join?game_tag=ZZZZZZ' });
    expect(legacy.statusCode).toBe(429);
  });

  it('?wait= long-polls and wakes up when a server makes the session active', async () => {
    const clock = new FakeClock(Date.now());
    orch = await testOrchestrator({ MAX_SERVERS: '0', START_TIMEOUT_S: '600' }, { clock });
    const code = (await startV1(orch)).json().code as string;
    let answered = false;
    const poll = orch.app.inject({ method: 'GET', url: `/v1/sessions/${code}?wait=30` }).then((r) => {
      answered = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(answered).toBe(false); // held: the fake clock does not move, so only a wake-up can answer it
    await heartbeat(orch.app, '198.51.100.9', 0); // a server appears and is offered to the pending session
    const r = await poll;
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ code, state: 'active', address: '198.51.100.9' });
  });

  it('?wait= answers with the unchanged session once the (capped) wait is over', async () => {
    const clock = new FakeClock(Date.now());
    orch = await testOrchestrator({ MAX_SERVERS: '0', START_TIMEOUT_S: '600', V1_LONG_POLL_MAX_S: '5' }, { clock });
    const code = (await startV1(orch)).json().code as string;
    let answered = false;
    const poll = orch.app.inject({ method: 'GET', url: `/v1/sessions/${code}?wait=3600` }).then((r) => {
      answered = true;
      return r;
    });
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 10));
      clock.advance(1000);
    }
    await new Promise((r) => setTimeout(r, 20));
    expect(answered).toBe(false);
    for (let i = 0; i < 20 && !answered; i++) {
      clock.advance(1000);
      await new Promise((r) => setTimeout(r, 10));
    }
    const r = await poll;
    expect(r.json().state).toBe('pending');
  });
});

describe('long-poll and shutdown', () => {
  it('a held ?wait= answers at once when the app closes, so a shutdown does not wait for it', async () => {
    const clock = new FakeClock(Date.now());
    const o = await testOrchestrator({ MAX_SERVERS: '0', START_TIMEOUT_S: '600' }, { clock });
    const code = (await startV1(o)).json().code as string;
    const poll = o.app.inject({ method: 'GET', url: `/v1/sessions/${code}?wait=30` });
    await new Promise((r) => setTimeout(r, 50));
    await o.close(); // the fake clock never moves: only the close can end the wait
    expect((await poll).json().state).toBe('pending');
  });
});

describe('POST /v1/sessions/{code}/join', () => {
  it('gives the address while there is room; 409 session_full when players >= max_players', async () => {
    orch = await testOrchestrator();
    const srv = await readyServer(orch, '198.51.100.2');
    const code = (await startV1(orch, { max_players: 2 })).json().code as string;
    await serverCall(orch, srv.id, 'heartbeat', srv.credential, { players: 1 });
    const ok = await orch.app.inject({ method: 'POST', url: `/v1/sessions/${code}/join` });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ address: '198.51.100.2', state: 'active' });
    await serverCall(orch, srv.id, 'heartbeat', srv.credential, { players: 2 });
    const full = await orch.app.inject({ method: 'POST', url: `/v1/sessions/${code}/join` });
    expect(full.statusCode).toBe(409);
    expect(full.json().error.code).toBe('session_full');
  });

  it('409 session_not_ready while pending; 404 once ended or unknown', async () => {
    orch = await testOrchestrator({ MAX_SERVERS: '0', ADMIN_TOKEN: ADMIN });
    const code = (await startV1(orch)).json().code as string;
    const pending = await orch.app.inject({ method: 'POST', url: `/v1/sessions/${code}/join` });
    expect(pending.statusCode).toBe(409);
    expect(pending.json().error.code).toBe('session_not_ready');
    expect((await orch.app.inject({ method: 'DELETE', url: `/v1/sessions/${code}`, headers: admin })).statusCode).toBe(
      200,
    );
    const ended = await orch.app.inject({ method: 'POST', url: `/v1/sessions/${code}/join` });
    expect(ended.statusCode).toBe(404);
    expect(ended.json().error.code).toBe('not_found');
    expect((await orch.app.inject({ method: 'POST', url: '/v1/sessions/QQQQQQ/join' })).statusCode).toBe(404);
  });

  it('concurrent guesses from one address cannot outrun the limit (counted before the lookup)', async () => {
    orch = await testOrchestrator({ JOIN_FAIL_LIMIT_PER_MIN: '5' });
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        orch.app.inject({
          method: i % 2 ? 'POST' : 'GET',
          url: i % 2 ? `/v1/sessions/GUESS${i % 10}/join` : `/v1/sessions/GUESS${i % 10}`,
        }),
      ),
    );
    const statuses = answers.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 404)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(25);
  });

  it('unknown codes are rate-limited per address; real codes never count', async () => {
    orch = await testOrchestrator({ JOIN_FAIL_LIMIT_PER_MIN: '3' });
    await readyServer(orch, '198.51.100.3');
    const code = (await startV1(orch)).json().code as string;
    for (let i = 0; i < 5; i++)
      expect((await orch.app.inject({ method: 'POST', url: `/v1/sessions/${code}/join` })).statusCode).toBe(200);
    for (let i = 0; i < 3; i++)
      expect((await orch.app.inject({ method: 'POST', url: '/v1/sessions/WWWWWW/join' })).statusCode).toBe(404);
    const limited = await orch.app.inject({ method: 'POST', url: `/v1/sessions/${code}/join` });
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('rate_limited');
  });
});

describe('v1 framework errors keep the v1 shape', () => {
  it('unknown path → 404, wrong method → 405 with Allow, bad content type → 415', async () => {
    orch = await testOrchestrator();
    const nf = await orch.app.inject({ method: 'GET', url: '/v1/nothing-here' });
    expect(nf.statusCode).toBe(404);
    expect(nf.json()).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
    const mna = await orch.app.inject({ method: 'PUT', url: '/v1/sessions/ABCDEF/join' });
    expect(mna.statusCode).toBe(405);
    expect(mna.headers.allow).toBe('POST');
    expect(mna.json().error.code).toBe('method_not_allowed');
    const ct = await orch.app.inject({
      method: 'POST',
      url: '/v1/sessions',
      headers: { 'content-type': 'application/xml' },
      payload: '<a/>',
    });
    expect(ct.statusCode).toBe(415);
    expect(ct.json().error.code).toBe('unsupported_media_type');
    // The original's routes keep their own shape.
    const legacy = await orch.app.inject({ method: 'GET', url: '/nothing-here' });
    expect(legacy.json()).toEqual({ detail: 'Not Found' });
  });
});
