import { afterEach, describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../../src/orchestrator.js';
import { testOrchestrator } from '../../helpers/orchestrator.js';
import { admin, ADMIN, readyServer, startV1 } from './v1-helpers.js';

let orch: Orchestrator;
afterEach(async () => orch?.close());

const get = (url: string, headers: Record<string, string> = admin) => orch.app.inject({ method: 'GET', url, headers });

const OPERATOR_ROUTES: [string, string, unknown?][] = [
  ['GET', '/v1/sessions'],
  ['DELETE', '/v1/sessions/ABCDEF'],
  ['GET', '/v1/servers'],
  ['GET', '/v1/servers/x'],
  ['POST', '/v1/servers/x/drain'],
  ['DELETE', '/v1/servers/x'],
  ['GET', '/v1/pool'],
  ['PATCH', '/v1/pool', { buffer: 1 }],
];

describe('operator routes: auth', () => {
  it('answer 503 when ADMIN_TOKEN is not set', async () => {
    orch = await testOrchestrator();
    for (const [method, url, payload] of OPERATOR_ROUTES) {
      const r = await orch.app.inject({
        method: method as 'GET',
        url,
        headers: admin,
        ...(payload ? { payload: payload } : {}),
      });
      expect(r.statusCode, `${method} ${url}`).toBe(503);
      expect(r.json().error.code).toBe('unavailable');
    }
  });

  it('answer 401 without the right bearer token, and never echo it', async () => {
    orch = await testOrchestrator({ ADMIN_TOKEN: ADMIN });
    for (const [method, url, payload] of OPERATOR_ROUTES) {
      for (const auth of [undefined, 'Bearer wrong', ADMIN, `Bearer ${ADMIN}x`, `Basic ${ADMIN}`]) {
        const r = await orch.app.inject({
          method: method as 'GET',
          url,
          headers: auth ? { authorization: auth } : {},
          ...(payload ? { payload: payload } : {}),
        });
        expect(r.statusCode, `${method} ${url} ${auth}`).toBe(401);
        expect(r.json().error.code).toBe('unauthorized');
        expect(r.body).not.toContain(ADMIN);
      }
    }
  });
});

describe('operator routes: sessions', () => {
  it('lists sessions with filters and cursor pagination: every session once, in order', async () => {
    orch = await testOrchestrator({ ADMIN_TOKEN: ADMIN, MAX_SERVERS: '0' });
    await readyServer(orch, '192.0.2.1');
    const active = (await startV1(orch)).json().code;
    const codes: string[] = [active];
    for (let i = 0; i < 6; i++) codes.push((await startV1(orch)).json().code);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r = await get(`/v1/sessions?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.statusCode).toBe(200);
      const page = r.json();
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((s: { code: string }) => s.code));
      cursor = page.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(new Set(seen)).toEqual(new Set(codes));
    expect(seen).toHaveLength(7);
    const onlyActive = (await get('/v1/sessions?state=active')).json();
    expect(onlyActive.items.map((s: { code: string }) => s.code)).toEqual([active]);
    expect(onlyActive.items[0]).toMatchObject({
      id: expect.any(String),
      server_id: expect.any(String),
      address: '192.0.2.1',
    });
    const byServer = (await get(`/v1/sessions?server_id=${onlyActive.items[0].server_id}`)).json();
    expect(byServer.items).toHaveLength(1);
    expect((await get('/v1/sessions?state=running')).statusCode).toBe(400);
    expect((await get('/v1/sessions?cursor=garbage')).json().error.code).toBe('invalid_input');
    expect((await get('/v1/sessions?limit=0')).statusCode).toBe(400);
  });

  it('DELETE /v1/sessions/{code} ends it (cancelled) and releases its server; again → 409; unknown → 404', async () => {
    orch = await testOrchestrator({ ADMIN_TOKEN: ADMIN });
    const srv = await readyServer(orch, '192.0.2.2');
    const code = (await startV1(orch)).json().code;
    const r = await orch.app.inject({ method: 'DELETE', url: `/v1/sessions/${code}`, headers: admin });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ code, state: 'ended', end_reason: 'cancelled' });
    // An external server is forgotten when its session ends (as with /server/end).
    expect((await orch.store.getServer(srv.id))!.state).toBe('deleted');
    const again = await orch.app.inject({ method: 'DELETE', url: `/v1/sessions/${code}`, headers: admin });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('session_ended');
    expect((await orch.app.inject({ method: 'DELETE', url: '/v1/sessions/NNNNNN', headers: admin })).statusCode).toBe(
      404,
    );
  });
});

describe('operator routes: servers', () => {
  it('lists servers with state and origin filters and pagination', async () => {
    orch = await testOrchestrator({ ADMIN_TOKEN: ADMIN });
    for (let i = 1; i <= 5; i++) await readyServer(orch, `192.0.2.${10 + i}`);
    await startV1(orch);
    const first = (await get('/v1/servers?limit=2')).json();
    expect(first.items).toHaveLength(2);
    const second = (await get(`/v1/servers?limit=2&cursor=${first.next_cursor}`)).json();
    const third = (await get(`/v1/servers?limit=2&cursor=${second.next_cursor}`)).json();
    expect(third.next_cursor).toBeNull();
    const ids = [...first.items, ...second.items, ...third.items].map((s: { id: string }) => s.id);
    expect(new Set(ids).size).toBe(5);
    expect((await get('/v1/servers?state=allocated')).json().items).toHaveLength(1);
    expect((await get('/v1/servers?state=ready&origin=external')).json().items).toHaveLength(4);
    expect((await get('/v1/servers?origin=local')).json().items).toHaveLength(0);
    expect((await get('/v1/servers?state=sleeping')).statusCode).toBe(400);
    const one = await get(`/v1/servers/${ids[0]}`);
    expect(one.json().id).toBe(ids[0]);
    expect((await get('/v1/servers/nope')).statusCode).toBe(404);
  });

  it('drain shuts down an idle server but refuses one holding a session; delete ends the session too', async () => {
    orch = await testOrchestrator({ ADMIN_TOKEN: ADMIN });
    const idle = await readyServer(orch, '192.0.2.30');
    const drained = await orch.app.inject({ method: 'POST', url: `/v1/servers/${idle.id}/drain`, headers: admin });
    expect(drained.statusCode).toBe(200);
    expect(drained.json().state).toBe('deleted'); // external: nothing to delete, the row is done
    const busy = await readyServer(orch, '192.0.2.31');
    const code = (await startV1(orch)).json().code;
    const refused = await orch.app.inject({ method: 'POST', url: `/v1/servers/${busy.id}/drain`, headers: admin });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('server_busy');
    expect((await orch.store.getServer(busy.id))!.state).toBe('allocated');
    const del = await orch.app.inject({ method: 'DELETE', url: `/v1/servers/${busy.id}`, headers: admin });
    expect(del.statusCode).toBe(200);
    expect((await orch.store.findSessionByCode(code))!).toMatchObject({ state: 'ended', endReason: 'cancelled' });
    expect((await orch.app.inject({ method: 'DELETE', url: '/v1/servers/nope', headers: admin })).statusCode).toBe(404);
  });
});

describe('operator routes: pool settings at run time', () => {
  it('reads and changes the pool; kept in the database, bounded by MAX_SERVERS; the reconciler uses them', async () => {
    orch = await testOrchestrator({ ADMIN_TOKEN: ADMIN, MAX_SERVERS: '4', POOL_MIN_READY: '0', POOL_BUFFER: '0' });
    const region = { region: 'local', region_max_servers: 4, region_max_servers_cap: 4 };
    expect((await get('/v1/pool')).json()).toEqual({
      min_ready: 0,
      buffer: 0,
      max_servers: 4,
      max_servers_cap: 4,
      ...region,
    });
    const patch = (payload: unknown) =>
      orch.app.inject({ method: 'PATCH', url: '/v1/pool', headers: admin, payload: payload as object });
    expect((await patch({ max_servers: 5 })).statusCode).toBe(400);
    expect((await patch({ min_ready: -1 })).statusCode).toBe(400);
    expect((await patch({})).statusCode).toBe(400);
    expect((await patch({ min_ready: 3, max_servers: 2 })).json().error.message).toMatch(/min_ready/);
    const ok = await patch({ min_ready: 2, max_servers: 3 });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({
      min_ready: 2,
      buffer: 0,
      max_servers: 3,
      max_servers_cap: 4,
      ...region,
      region_max_servers: 3,
      region_max_servers_cap: 3,
    });
    expect(JSON.parse((await orch.store.getMeta('pool_settings'))!)).toMatchObject({ poolMinReady: 2, maxServers: 3 });
    // The reconciler reads them on its next pass: two servers are made for the pool.
    const pass = await orch.reconciler.runPass();
    expect(pass.planned?.create).toBe(2);
  });

  it('a pool per region: ?region= reads and changes one region; without it, the default region', async () => {
    orch = await testOrchestrator({
      ADMIN_TOKEN: ADMIN,
      MAX_SERVERS: '6',
      REGIONS: 'local-a,local-b,local-c',
      REGION_MAX_SERVERS: 'local-b=3',
      REGION_POOL_BUFFER: 'local-c=1',
    });
    const patch = (url: string, payload: object) => orch.app.inject({ method: 'PATCH', url, headers: admin, payload });
    expect((await get('/v1/pool?region=local-b')).json()).toEqual({
      region: 'local-b',
      min_ready: 0,
      buffer: 0,
      max_servers: 6,
      max_servers_cap: 6,
      region_max_servers: 3,
      region_max_servers_cap: 3,
    });
    expect((await get('/v1/pool?region=local-c')).json()).toMatchObject({ buffer: 1, region_max_servers: 6 });
    expect((await get('/v1/pool?region=nowhere')).statusCode).toBe(400);
    expect((await patch('/v1/pool?region=local-b', { region_max_servers: 4 })).json().error.message).toMatch(
      /region_max_servers may not exceed 3/,
    );
    const b = await patch('/v1/pool?region=local-b', { min_ready: 2, region_max_servers: 2 });
    expect(b.json()).toMatchObject({ region: 'local-b', min_ready: 2, region_max_servers: 2 });
    // Without a region: the default region's pool (the global settings), the others untouched.
    expect((await patch('/v1/pool', { buffer: 1 })).json()).toMatchObject({ region: 'local-a', buffer: 1 });
    expect((await get('/v1/pool?region=local-b')).json()).toMatchObject({ min_ready: 2, buffer: 0 });
    const pass = await orch.reconciler.runPass();
    const rows = await orch.store.listServers(['creating', 'starting', 'ready']);
    const by = (r: string) => rows.filter((s) => s.region === r).length;
    expect([by('local-a'), by('local-b'), by('local-c')]).toEqual([1, 2, 1]);
    expect(pass.pool?.regions).toMatchObject({
      'local-a': { target: 1 },
      'local-b': { target: 2 },
      'local-c': { target: 1 },
    });
  });
});
