import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator.js';
import { endServer, heartbeat, TEST_KEY, testOrchestrator } from '../helpers/orchestrator.js';
import { signedHeaders } from '../helpers/sign.js';

let orch: Orchestrator;
beforeEach(async () => {
  orch = await testOrchestrator();
});
afterEach(async () => {
  await orch.close();
});

const HB = '/server/heartbeat';
const body = (o: unknown) => JSON.stringify(o);
const post = (url: string, headers: Record<string, string>, payload?: string) =>
  orch.app.inject({ method: 'POST', url, headers, ...(payload === undefined ? {} : { payload }) });

async function liveServers() {
  return (await orch.store.listServers()).filter((s) => s.state !== 'deleted').length;
}

describe('HMAC authentication of server routes', () => {
  it('no key configured → 503 even without headers', async () => {
    const o2 = await testOrchestrator({ INTERNAL_HMAC_SECRET: '', INTERNAL_HMAC_KEY: '' });
    try {
      for (const url of [HB, '/server/end?droplet_ip=1.2.3.4', '/sessions/end']) {
        const r = await o2.app.inject({ method: 'POST', url });
        expect(r.statusCode).toBe(503);
        expect(r.json()).toEqual({ detail: 'Internal endpoint unavailable.' });
      }
    } finally {
      await o2.close();
    }
  });

  it('INTERNAL_HMAC_KEY is the key when both are set', async () => {
    const o2 = await testOrchestrator({ INTERNAL_HMAC_KEY: 'the-key', INTERNAL_HMAC_SECRET: 'the-secret' });
    try {
      expect((await heartbeat(o2.app, '203.0.113.1', 0, 'the-secret')).statusCode).toBe(401);
      expect((await heartbeat(o2.app, '203.0.113.1', 0, 'the-key')).statusCode).toBe(200);
    } finally {
      await o2.close();
    }
  });

  it('missing or empty headers, or a non-integer timestamp → 401 Invalid', async () => {
    const b = body({ droplet_ip: '203.0.113.2', connected_clients: 0 });
    const good = signedHeaders(TEST_KEY, 'POST', HB, b);
    const cases: Record<string, string>[] = [
      {},
      { 'request-timestamp': good['request-timestamp']! },
      { 'request-signature': good['request-signature']! },
      { ...good, 'request-signature': '' },
      { ...good, 'request-timestamp': '' },
      signedHeaders(TEST_KEY, 'POST', HB, b, '12.5'),
      signedHeaders(TEST_KEY, 'POST', HB, b, 'soon'),
    ];
    for (const h of cases) {
      const r = await post(HB, { 'content-type': 'application/json', ...h }, b);
      expect(r.statusCode, JSON.stringify(h)).toBe(401);
      expect(r.json()).toEqual({ detail: 'Invalid HMAC signature.' });
    }
    expect(await liveServers()).toBe(0);
  });

  it('a timestamp outside the skew window, either direction → 401 Stale', async () => {
    const b = body({ droplet_ip: '203.0.113.3', connected_clients: 0 });
    const now = Math.floor(Date.now() / 1000);
    // Well past the window: a test straddling a second boundary must not land on its edge.
    for (const ts of [now - 310, now + 310]) {
      const r = await post(
        HB,
        { 'content-type': 'application/json', ...signedHeaders(TEST_KEY, 'POST', HB, b, ts) },
        b,
      );
      expect(r.statusCode).toBe(401);
      expect(r.json()).toEqual({ detail: 'Stale HMAC signature.' });
    }
    const inside = await post(
      HB,
      { 'content-type': 'application/json', ...signedHeaders(TEST_KEY, 'POST', HB, b, now - 250) },
      b,
    );
    expect(inside.statusCode).toBe(200);
  });

  it('a wrong signature of any bytes → 401 Invalid, never a 5xx', async () => {
    const b = body({ droplet_ip: '203.0.113.4', connected_clients: 0 });
    const h = signedHeaders(TEST_KEY, 'POST', HB, b);
    for (const sig of [
      '00',
      'zz'.repeat(40),
      h['request-signature']!.toUpperCase(),
      'é∂ƒ',
      h['request-signature']!.slice(1),
    ]) {
      const r = await post(HB, { 'content-type': 'application/json', ...h, 'request-signature': sig }, b);
      expect(r.statusCode).toBe(401);
      expect(r.json()).toEqual({ detail: 'Invalid HMAC signature.' });
    }
    const wrongKey = await heartbeat(orch.app, '203.0.113.4', 0, 'not-the-key');
    expect(wrongKey.statusCode).toBe(401);
  });

  it('accepts the underscore header spellings', async () => {
    const b = body({ droplet_ip: '203.0.113.5', connected_clients: 0 });
    const h = signedHeaders(TEST_KEY, 'POST', HB, b);
    const r = await post(
      HB,
      {
        'content-type': 'application/json',
        Request_Timestamp: h['request-timestamp']!,
        Request_Signature: h['request-signature']!,
      },
      b,
    );
    expect(r.statusCode).toBe(200);
  });

  it('refuses a replayed signature, and re-timed or re-targeted requests', async () => {
    const b = body({ droplet_ip: '203.0.113.6', connected_clients: 0 });
    const h: Record<string, string> = { 'content-type': 'application/json', ...signedHeaders(TEST_KEY, 'POST', HB, b) };
    expect((await post(HB, h, b)).statusCode).toBe(200);
    const replay = await post(HB, h, b);
    expect(replay.statusCode).toBe(401);
    expect(replay.json()).toEqual({ detail: 'Invalid HMAC signature.' });
    const retimed = await post(HB, { ...h, 'request-timestamp': String(Number(h['request-timestamp']) + 1) }, b);
    expect(retimed.statusCode).toBe(401);
    const otherBody = await post(HB, h, body({ droplet_ip: '203.0.113.66', connected_clients: 0 }));
    expect(otherBody.statusCode).toBe(401);
    const otherPath = await post('/server/end?droplet_ip=203.0.113.6', h);
    expect(otherPath.statusCode).toBe(401);
    const otherQuery = await post(`${HB}?x=1`, h, b);
    expect(otherQuery.statusCode).toBe(401);
  });
});

describe('POST /server/heartbeat', () => {
  it('a signed heartbeat from an unknown address registers an external ready server', async () => {
    const r = await heartbeat(orch.app, '203.0.113.10', 0);
    expect(r.statusCode).toBe(200);
    expect(r.body).toBe('{"message":"Heartbeat updated successfully."}');
    const [s] = await orch.store.listServers();
    expect(s).toMatchObject({ ip: '203.0.113.10', origin: 'external', state: 'ready', players: 0 });
    expect((await heartbeat(orch.app, '203.0.113.10', 2)).statusCode).toBe(200);
    expect((await orch.store.listServers()).length).toBe(1);
    expect((await orch.store.listServers())[0]!.players).toBe(2);
  });

  it('IPv6 addresses are accepted', async () => {
    expect((await heartbeat(orch.app, '2001:db8::1', 0)).statusCode).toBe(200);
  });

  it('a body without a Content-Type is still read as JSON; extra keys are ignored', async () => {
    const b = body({
      droplet_ip: '203.0.113.11',
      connected_clients: 1,
      extra: { deep: [1, 2] },
      __proto__: { polluted: true },
    });
    const r = await post(HB, signedHeaders(TEST_KEY, 'POST', HB, b), b);
    expect(r.statusCode).toBe(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  const bad: [string, string, unknown][] = [
    [
      'missing connected_clients',
      body({ droplet_ip: '1.2.3.4' }),
      { type: 'missing', loc: ['body', 'connected_clients'], msg: 'Field required', input: { droplet_ip: '1.2.3.4' } },
    ],
    [
      'missing droplet_ip',
      body({ connected_clients: 1 }),
      { type: 'missing', loc: ['body', 'droplet_ip'], msg: 'Field required', input: { connected_clients: 1 } },
    ],
    [
      'string count',
      body({ droplet_ip: '1.2.3.4', connected_clients: 'many' }),
      {
        type: 'int_parsing',
        loc: ['body', 'connected_clients'],
        msg: 'Input should be a valid integer, unable to parse string as an integer',
        input: 'many',
      },
    ],
    [
      'fractional count',
      body({ droplet_ip: '1.2.3.4', connected_clients: 1.5 }),
      {
        type: 'int_from_float',
        loc: ['body', 'connected_clients'],
        msg: 'Input should be a valid integer, got a number with a fractional part',
        input: 1.5,
      },
    ],
    [
      'object count',
      body({ droplet_ip: '1.2.3.4', connected_clients: {} }),
      { type: 'int_type', loc: ['body', 'connected_clients'], msg: 'Input should be a valid integer', input: {} },
    ],
    [
      'negative count',
      body({ droplet_ip: '1.2.3.4', connected_clients: -1 }),
      {
        type: 'greater_than_equal',
        loc: ['body', 'connected_clients'],
        msg: 'Input should be greater than or equal to 0',
        input: -1,
        ctx: { ge: 0 },
      },
    ],
    [
      '2^63 count',
      '{"droplet_ip":"1.2.3.4","connected_clients":9223372036854775808}',
      {
        type: 'less_than_equal',
        loc: ['body', 'connected_clients'],
        msg: 'Input should be less than or equal to 10000',
        input: 9223372036854775808,
        ctx: { le: 10000 },
      },
    ],
    [
      'numeric ip',
      body({ droplet_ip: 1234, connected_clients: 0 }),
      { type: 'string_type', loc: ['body', 'droplet_ip'], msg: 'Input should be a valid string', input: 1234 },
    ],
    [
      'not an ip',
      body({ droplet_ip: 'my-server', connected_clients: 0 }),
      {
        type: 'ip_any_address',
        loc: ['body', 'droplet_ip'],
        msg: 'value is not a valid IPv4 or IPv6 address',
        input: 'my-server',
      },
    ],
    [
      'an array body',
      '[1,2]',
      {
        type: 'model_attributes_type',
        loc: ['body'],
        msg: 'Input should be a valid dictionary or object to extract fields from',
        input: [1, 2],
      },
    ],
    ['an empty body', '', { type: 'missing', loc: ['body'], msg: 'Field required', input: null }],
  ];
  it.each(bad)('%s → 422 in FastAPI shape, nothing stored', async (_name, b, item) => {
    const r = await post(HB, { 'content-type': 'application/json', ...signedHeaders(TEST_KEY, 'POST', HB, b) }, b);
    expect(r.statusCode).toBe(422);
    expect(r.json()).toEqual({ detail: [item] });
    expect(await liveServers()).toBe(0);
  });

  it('invalid JSON → 422 json_invalid', async () => {
    const b = '{"droplet_ip": ';
    const r = await post(HB, { 'content-type': 'application/json', ...signedHeaders(TEST_KEY, 'POST', HB, b) }, b);
    expect(r.statusCode).toBe(422);
    expect(r.json().detail[0]).toMatchObject({ type: 'json_invalid', msg: 'JSON decode error' });
  });

  it('an unsigned caller with a broken body learns nothing from the parser: 401', async () => {
    const r = await post(HB, { 'content-type': 'application/json' }, '{broken');
    expect(r.statusCode).toBe(401);
  });
});

describe('POST /server/end and its alias /sessions/end', () => {
  for (const path of ['/server/end', '/sessions/end']) {
    it(`${path}: external server → local entry removed; again → 404`, async () => {
      await heartbeat(orch.app, '203.0.113.20', 0);
      const r = await endServer(orch.app, '203.0.113.20', path);
      expect(r.statusCode).toBe(200);
      expect(r.json()).toEqual({
        message: 'Game session ended and local session entry removed (no DigitalOcean droplet).',
      });
      // A fresh signature (the same one again would be refused as a replay).
      const url = `${path}?droplet_ip=203.0.113.20`;
      const again = await post(url, signedHeaders(TEST_KEY, 'POST', url, '', Math.floor(Date.now() / 1000) - 1));
      expect(again.statusCode).toBe(404);
      expect(again.json()).toEqual({ detail: 'Droplet not found in database.' });
    });
    it(`${path}: unknown → 404; missing droplet_ip → 422 signed, 401 unsigned`, async () => {
      expect((await endServer(orch.app, '203.0.113.99', path)).statusCode).toBe(404);
      const signed = await post(path, signedHeaders(TEST_KEY, 'POST', path));
      expect(signed.statusCode).toBe(422);
      expect(signed.json()).toEqual({
        detail: [{ type: 'missing', loc: ['query', 'droplet_ip'], msg: 'Field required', input: null }],
      });
      expect((await post(path, {})).statusCode).toBe(401);
    });
  }

  it('ending an external server’s session ends it: its code no longer joins', async () => {
    await heartbeat(orch.app, '203.0.113.21', 0);
    const { share_tag } = (await orch.app.inject({ method: 'POST', url: '/sessions/start' })).json();
    expect((await orch.app.inject({ method: 'POST', url: `/sessions/join?game_tag=${share_tag}` })).statusCode).toBe(
      200,
    );
    expect((await endServer(orch.app, '203.0.113.21')).statusCode).toBe(200);
    expect((await orch.app.inject({ method: 'POST', url: `/sessions/join?game_tag=${share_tag}` })).statusCode).toBe(
      404,
    );
    const sessions = await orch.store.listSessions(['ended']);
    expect(sessions).toHaveLength(1);
    expect(sessions[0]!.endReason).toBe('server_ended');
  });
});
