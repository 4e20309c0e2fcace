import { afterEach, describe, expect, it } from 'vitest';
import { createBody, hzEmulator, hzSpec, type HzCall } from './hz-helpers.js';

type Emu = Awaited<ReturnType<typeof hzEmulator>>;
let current: Emu | null = null;
afterEach(async () => {
  await current?.emu.close();
  current = null;
});
async function start(opts: Parameters<typeof hzEmulator>[0] = {}): Promise<Emu> {
  current = await hzEmulator(opts);
  return current;
}

describe('Hetzner emulator: answers match the OpenAPI subset', () => {
  it('servers, actions, catalogue and errors validate against the vendored schema', async () => {
    const { call } = await start();
    const spec = hzSpec();
    const seen: string[] = [];
    const check = async (method: string, url: string, body?: unknown, token?: string | null): Promise<HzCall> => {
      const r = await call(method, url, body, token);
      const problem = spec.check({ method, url, status: r.status, contentType: '', body: r.body });
      if (problem) seen.push(`${method} ${url} ${r.status}: ${problem}`);
      return r;
    };
    expect((await check('GET', '/v1/servers')).json.servers).toEqual([]);
    const made = await check('POST', '/v1/servers', createBody());
    expect(made.status).toBe(201);
    expect(made.json.action.command).toBe('create_server');
    expect(made.json.server.status).toBe('initializing');
    const id = made.json.server.id as number;
    await check('GET', `/v1/servers/${id}`);
    await check('GET', '/v1/servers?label_selector=game-orchestrator&per_page=50');
    await check('GET', `/v1/actions/${made.json.action.id}`);
    await check('GET', '/v1/server_types');
    await check('GET', '/v1/locations');
    await check('GET', '/v1/images?type=snapshot');
    await check('GET', '/v1/images/310000001');
    expect((await check('POST', '/v1/servers', createBody())).json.error.code).toBe('uniqueness_error');
    expect((await check('POST', '/v1/servers', createBody({ name: 'bad name' }))).status).toBe(422);
    expect((await check('DELETE', `/v1/servers/${id}`)).json.action.command).toBe('delete_server');
    expect((await check('GET', `/v1/servers/${id}`)).json.error.code).toBe('not_found');
    expect((await check('GET', '/v1/servers', undefined, null)).status).toBe(401);
    expect(seen).toEqual([]);
  });

  it('every answer carries RateLimit-Limit, -Remaining and -Reset', async () => {
    const { call } = await start();
    const a = await call('GET', '/v1/locations');
    const b = await call('GET', '/v1/locations');
    expect(a.headers.get('ratelimit-limit')).toBe('3600');
    expect(Number(b.headers.get('ratelimit-remaining'))).toBe(Number(a.headers.get('ratelimit-remaining')) - 1);
    expect(Number(a.headers.get('ratelimit-reset'))).toBeGreaterThan(Date.UTC(2026, 0, 15, 12) / 1000);
  });
});

describe('Hetzner emulator: behaviour', () => {
  it('a server boots: initializing, then running with its actions done and a public IPv4', async () => {
    const { call, advance } = await start();
    const made = (await call('POST', '/v1/servers', createBody())).json;
    expect(made.server.public_net.ipv4.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    await advance(5000);
    const got = (await call('GET', `/v1/servers/${made.server.id}`)).json;
    expect(got.server.status).toBe('running');
    expect((await call('GET', `/v1/actions/${made.action.id}`)).json.action.status).toBe('success');
  });

  it('the token bucket refuses past its budget with 429 rate_limit_exceeded and refills limit/3600 a second', async () => {
    // A budget of 10 an hour refills one every 360 s (3600 an hour: one a second).
    const { call, advance } = await start({ rateLimitPerHour: 10 });
    for (let i = 0; i < 10; i++) expect((await call('GET', '/v1/locations')).status).toBe(200);
    const refused = await call('GET', '/v1/locations');
    expect([refused.status, refused.json.error.code]).toEqual([429, 'rate_limit_exceeded']);
    expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    expect(Number(refused.headers.get('ratelimit-reset'))).toBe(Date.UTC(2026, 0, 15, 12) / 1000 + 3600);
    await advance(359_000);
    expect((await call('GET', '/v1/locations')).status).toBe(429);
    await advance(1000);
    expect((await call('GET', '/v1/locations')).status).toBe(200);
    expect((await call('GET', '/v1/locations')).status).toBe(429);
  });

  it('label_selector filters (k, !k, k=v, k!=v, in); an unreadable one is 422 invalid_input', async () => {
    const { call } = await start();
    await call('POST', '/v1/servers', createBody({ name: 'a', labels: { own: 'yes', tier: 'x' } }));
    await call('POST', '/v1/servers', createBody({ name: 'b', labels: { tier: 'y' } }));
    const names = async (sel: string): Promise<string[]> =>
      (
        (await call('GET', `/v1/servers?label_selector=${encodeURIComponent(sel)}`)).json.servers as { name: string }[]
      ).map((s) => s.name);
    expect(await names('own')).toEqual(['a']);
    expect(await names('!own')).toEqual(['b']);
    expect(await names('tier=y')).toEqual(['b']);
    expect(await names('tier!=y')).toEqual(['a']);
    expect(await names('tier in (x,y),own')).toEqual(['a']);
    expect((await call('GET', '/v1/servers?label_selector=%3D%3D')).json.error.code).toBe('invalid_input');
  });

  it('pages with meta.pagination (per_page clamped to 50)', async () => {
    const { call } = await start();
    for (let i = 0; i < 5; i++) await call('POST', '/v1/servers', createBody({ name: `s${i}` }));
    const p2 = (await call('GET', '/v1/servers?per_page=2&page=2')).json;
    expect(p2.servers.map((s: { name: string }) => s.name)).toEqual(['s2', 's3']);
    expect(p2.meta.pagination).toEqual({
      page: 2,
      per_page: 2,
      previous_page: 1,
      next_page: 3,
      last_page: 3,
      total_entries: 5,
    });
    expect((await call('GET', '/v1/servers?per_page=500')).json.meta.pagination.per_page).toBe(50);
  });

  it("the project's server limit: 403 resource_limit_exceeded", async () => {
    const { call } = await start({ serverLimit: 1 });
    expect((await call('POST', '/v1/servers', createBody({ name: 'one' }))).status).toBe(201);
    const r = await call('POST', '/v1/servers', createBody({ name: 'two' }));
    expect([r.status, r.json.error.code]).toEqual([403, 'resource_limit_exceeded']);
  });
});

describe('Hetzner emulator: faults', () => {
  it('a lost create makes the server but never answers 201; the same name again is 409 uniqueness_error', async () => {
    const { call, emu } = await start({ faults: { lostCreateRate: 1 } });
    const lost = await call('POST', '/v1/servers', createBody({ name: 'lost' })).catch(() => null);
    expect(lost === null || lost.status >= 500).toBe(true);
    expect(emu.servers().map((s) => s.name)).toEqual(['lost']);
    emu.setFaults({ lostCreateRate: 0 });
    const again = await call('POST', '/v1/servers', createBody({ name: 'lost' }));
    expect([again.status, again.json.error.code]).toEqual([409, 'uniqueness_error']);
    expect(emu.servers()).toHaveLength(1);
  });

  it('injected 429s, then 5xx in the {error:{code,message}} shape', async () => {
    const { call, emu } = await start({ faults: { burst429: 1 } });
    const r = await call('GET', '/v1/servers');
    expect([r.status, r.json.error.code, r.headers.get('retry-after')]).toEqual([429, 'rate_limit_exceeded', '1']);
    emu.setFaults({ errorRate: 1 });
    const e = await call('GET', '/v1/servers');
    expect(e.status).toBeGreaterThanOrEqual(500);
    expect(typeof e.json.error.code).toBe('string');
  });

  it('a failed boot: the create action errors and the server is gone', async () => {
    const { call, advance } = await start({ faults: { createErrorRate: 1 } });
    const made = (await call('POST', '/v1/servers', createBody())).json;
    await advance(5000);
    expect((await call('GET', `/v1/actions/${made.action.id}`)).json.action.status).toBe('error');
    expect((await call('GET', `/v1/servers/${made.server.id}`)).status).toBe(404);
  });
});
