import { afterEach, describe, expect, it } from 'vitest';
import { buildEmulatorApp } from '../../src/emulator/index.js';
import { AUTH, createBody, json, testEmulator, type TestEmulator } from './helpers.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('emulator auth', () => {
  it('rejects a request without a bearer token with 401 unauthorized', async () => {
    const app = buildEmulatorApp();
    const res = await app.inject({ method: 'GET', url: '/v2/account' });
    expect(res.statusCode).toBe(401);
    expect(json(res)).toMatchObject({ id: 'unauthorized', message: 'Unable to authenticate you.' });
    await app.close();
  });

  it('accepts any bearer token when no token option is given', async () => {
    const app = buildEmulatorApp();
    const res = await app.inject({ method: 'GET', url: '/v2/account', headers: { authorization: 'Bearer whatever' } });
    expect(res.statusCode).toBe(200);
    await app.close();
  });

  it('accepts only the configured token when one is given', async () => {
    const app = buildEmulatorApp({ token: 'dop_v1_right' });
    const wrong = await app.inject({
      method: 'GET',
      url: '/v2/account',
      headers: { authorization: 'Bearer dop_v1_wrong' },
    });
    const basic = await app.inject({
      method: 'GET',
      url: '/v2/account',
      headers: { authorization: 'Basic dop_v1_right' },
    });
    const right = await app.inject({
      method: 'GET',
      url: '/v2/account',
      headers: { authorization: 'Bearer dop_v1_right' },
    });
    expect([wrong.statusCode, basic.statusCode, right.statusCode]).toEqual([401, 401, 200]);
    expect(wrong.body).not.toContain('dop_v1');
    await app.close();
  });

  it('does not ask for a token on the control API', async () => {
    const app = buildEmulatorApp({ token: 'secret' });
    expect((await app.inject({ method: 'GET', url: '/_emulator/state' })).statusCode).toBe(200);
    await app.close();
  });
});

describe('emulator headers and error bodies', () => {
  let emu: TestEmulator;
  afterEach(async () => emu.app.close());

  it('sends ratelimit-* and a uuid x-request-id on success, error and 204 responses alike', async () => {
    emu = testEmulator();
    const created = await emu.call('POST', '/v2/droplets', createBody());
    const id = json(created).droplet.id as number;
    const responses = [
      created,
      await emu.call('GET', '/v2/droplets'),
      await emu.call('GET', '/v2/droplets/999'),
      await emu.call('DELETE', `/v2/droplets/${id}`),
      await emu.app.inject({ method: 'GET', url: '/v2/droplets' }),
      await emu.call('GET', '/v2/no-such-thing'),
    ];
    expect(responses.map((r) => r.statusCode)).toEqual([202, 200, 404, 204, 401, 404]);
    for (const res of responses) {
      expect(res.headers['ratelimit-limit']).toBe('5000');
      expect(Number(res.headers['ratelimit-remaining'])).toBeGreaterThanOrEqual(0);
      expect(Number(res.headers['ratelimit-reset'])).toBeGreaterThan(1_700_000_000);
      expect(String(res.headers['x-request-id'])).toMatch(UUID);
    }
    expect(responses[3]?.body).toBe('');
    expect(responses[3]?.headers['content-type']).toMatch(/^application\/json/);
  });

  it('puts the x-request-id into the error body as request_id', async () => {
    emu = testEmulator();
    const res = await emu.call('GET', '/v2/droplets/123');
    expect(json(res)).toEqual({
      id: 'not_found',
      message: 'The resource you were accessing could not be found.',
      request_id: res.headers['x-request-id'],
    });
  });

  it('answers malformed JSON with 400 bad_request "error parsing request body"', async () => {
    emu = testEmulator();
    const res = await emu.app.inject({
      method: 'POST',
      url: '/v2/droplets',
      headers: { ...AUTH, 'content-type': 'application/json' },
      payload: '{"name": "gs-1",',
    });
    expect(res.statusCode).toBe(400);
    expect(json(res)).toMatchObject({ id: 'bad_request', message: 'error parsing request body' });
  });

  it('parses a JSON body even without a content-type header', async () => {
    emu = testEmulator();
    const res = await emu.app.inject({
      method: 'POST',
      url: '/v2/droplets',
      headers: { ...AUTH },
      payload: Buffer.from(JSON.stringify(createBody())),
    });
    expect(res.statusCode).toBe(202);
  });

  it('counts requests per method and route pattern, 401s and 404s included', async () => {
    emu = testEmulator();
    await emu.call('POST', '/v2/droplets', createBody());
    await emu.call('GET', '/v2/droplets/500000001');
    await emu.call('GET', '/v2/droplets/500000001');
    await emu.app.inject({ method: 'GET', url: '/v2/droplets' });
    await emu.app.inject({ method: 'GET', url: '/_emulator/state' });
    const counts = json(await emu.app.inject({ method: 'GET', url: '/_emulator/requests' }));
    expect(counts).toEqual({ 'POST /v2/droplets': 1, 'GET /v2/droplets/{droplet_id}': 2, 'GET /v2/droplets': 1 });
    await emu.app.inject({ method: 'DELETE', url: '/_emulator/requests' });
    expect(json(await emu.app.inject({ method: 'GET', url: '/_emulator/requests' }))).toEqual({});
  });
});
