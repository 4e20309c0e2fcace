import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator.js';
import { heartbeat, TEST_KEY, testOrchestrator } from '../helpers/orchestrator.js';
import { signedHeaders } from '../helpers/sign.js';
import { deepArray, deepObject, expectNoPrototypePollution, reasonOf, snapshot } from './hostile-helpers.js';

/**
 * Requests with VALID signatures (so they get past authentication) and garbage bodies or
 * queries: the parser's and validator's turn. Never a 5xx; a rejection has a reason and
 * leaves servers and sessions as they were.
 */
let orch: Orchestrator;
const REAL_IP = '203.0.113.50';
beforeAll(async () => {
  orch = await testOrchestrator({ MAX_SERVERS: '0' });
  expect((await heartbeat(orch.app, REAL_IP, 2)).statusCode).toBe(200);
});
afterAll(async () => {
  await orch.close();
});

function signedPost(url: string, body: string | Buffer, contentType: string | null = 'application/json') {
  return orch.app.inject({
    method: 'POST',
    url,
    headers: {
      ...(contentType === null ? {} : { 'content-type': contentType }),
      ...signedHeaders(TEST_KEY, 'POST', url, body),
    },
    payload: body,
  });
}

/** Sends, then checks the contract for a rejection; returns the status. */
async function expectRejectedCleanly(url: string, body: string | Buffer, contentType?: string | null): Promise<number> {
  const before = await snapshot(orch.store);
  const r = await signedPost(url, body, contentType);
  const label = `${url} ${String(body).slice(0, 80)} → ${r.statusCode} ${r.payload.slice(0, 200)}`;
  expect(r.statusCode, label).toBeGreaterThanOrEqual(400);
  expect(r.statusCode, label).toBeLessThan(500);
  expect(reasonOf(r), label).not.toBeNull();
  expect(await snapshot(orch.store), label).toBe(before);
  expectNoPrototypePollution();
  return r.statusCode;
}

const hb = (ip: unknown, players: unknown) => JSON.stringify({ droplet_ip: ip, connected_clients: players });

describe('signed heartbeats with garbage bodies', () => {
  const bodies: [string, string | Buffer][] = [
    ['empty', ''],
    ['whitespace', ' \n\t '],
    ['null', 'null'],
    ['an array', '[]'],
    ['a string', '"hello"'],
    ['a number', '123'],
    ['true', 'true'],
    ['NaN', 'NaN'],
    ['a BOM then {}', '\ufeff{}'],
    ['truncated', '{"droplet_ip": "1.2.3.4", "connected_clients": '],
    ['invalid UTF-8 bytes', Buffer.from([0x7b, 0xff, 0xfe, 0xc3, 0x28, 0x7d])],
    [
      'invalid UTF-8 in the address',
      Buffer.concat([
        Buffer.from('{"droplet_ip": "1.2.3.'),
        Buffer.from([0xff, 0xc0]),
        Buffer.from('", "connected_clients": 1}'),
      ]),
    ],
    ['players as Infinity (1e400)', `{"droplet_ip": "${REAL_IP}", "connected_clients": 1e400}`],
    ['players beyond 2^53', `{"droplet_ip": "${REAL_IP}", "connected_clients": 123456789012345678901234567890}`],
    ['players negative', hb(REAL_IP, -1)],
    ['players fractional', hb(REAL_IP, 1.5)],
    ['players a float string', hb(REAL_IP, '1e3')],
    ['players true', hb(REAL_IP, true)],
    ['players null', hb(REAL_IP, null)],
    ['players an object', hb(REAL_IP, { valueOf: 3 })],
    ['address a number', hb(2130706433, 1)],
    ['address null', hb(null, 1)],
    ['address an array', hb([REAL_IP], 1)],
    ['address not an IP', hb('999.1.1.1', 1)],
    ['address with a newline', hb(`${REAL_IP}\n`, 1)],
    ['address 60,000 characters', hb('1'.repeat(60_000), 1)],
    ['address an object with __proto__', `{"droplet_ip": {"__proto__": {"polluted": 1}}, "connected_clients": 1}`],
    ['only __proto__', '{"__proto__": {"droplet_ip": "203.0.113.60", "connected_clients": 1}}'],
    [
      'only constructor.prototype',
      '{"constructor": {"prototype": {"droplet_ip": "203.0.113.61", "connected_clients": 1}}}',
    ],
    ['deep arrays, 50 levels', deepArray(50)],
  ];
  for (const [name, body] of bodies) {
    it(`${name} → 4xx with a reason, nothing changed`, async () => {
      await expectRejectedCleanly('/server/heartbeat', body);
    });
  }

  it('the same garbage with any Content-Type (or none) → 422; a malformed media type → 415; nothing changed', async () => {
    const wellFormed = [
      null,
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json; charset=utf-16',
      'application/octet-stream',
      '*/*',
    ];
    // The Content-Type is not signed: each body differs so no signature repeats (a replay).
    let players = -1000; // not used by any other request of this file (same body + same second = a replay)
    for (const type of wellFormed)
      expect(await expectRejectedCleanly('/server/heartbeat', hb(REAL_IP, players--), type), String(type)).toBe(422);
    for (const type of [';;;', 'a'.repeat(5000), '/'])
      expect(await expectRejectedCleanly('/server/heartbeat', hb(REAL_IP, players--), type), type).toBe(415);
  });

  it('__proto__ and constructor keys next to valid fields are plain data, not a prototype', async () => {
    for (const extra of ['"__proto__": {"polluted": 1}', '"constructor": {"prototype": {"polluted": 1}}']) {
      const r = await signedPost('/server/heartbeat', `{${extra}, "droplet_ip": "${REAL_IP}", "connected_clients": 3}`);
      expect(r.statusCode).toBe(200);
      expectNoPrototypePollution();
    }
  });

  it('bodies nested 10,000 levels deep → 422, not a 500 (the error echo must not overflow the stack)', async () => {
    for (const body of [
      deepArray(10_000),
      deepObject(10_000),
      `{"droplet_ip": ${deepArray(10_000)}, "connected_clients": 1}`,
      `{"droplet_ip": "${REAL_IP}", "connected_clients": ${deepObject(10_000)}}`,
    ]) {
      expect(await expectRejectedCleanly('/server/heartbeat', body)).toBe(422);
    }
  });

  it('property: any signed JSON value as a body → never a 5xx; a rejection changes nothing', async () => {
    const key = fc.constantFrom(
      'droplet_ip',
      'connected_clients',
      '__proto__',
      'constructor',
      'prototype',
      'toString',
      '',
    );
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.constantFrom(REAL_IP, '::1', '0.0.0.0', '255.255.255.255', '1.2.3.4 ', -0, 1e308, -1e308, 10_001, 2 ** 53 + 1),
    );
    const body = fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.dictionary(key, value, { maxKeys: 4 }));
    await fc.assert(
      fc.asyncProperty(body, async (v) => {
        const text = JSON.stringify(v) ?? 'null';
        const before = await snapshot(orch.store);
        const r = await signedPost('/server/heartbeat', text);
        expect(r.statusCode, `${text} → ${r.payload}`).toBeLessThan(500);
        if (r.statusCode >= 400) {
          expect(reasonOf(r), text).not.toBeNull();
          expect(await snapshot(orch.store), text).toBe(before);
        }
        expectNoPrototypePollution();
      }),
      { numRuns: 200, seed: 20_251_125 },
    );
  });
});

describe('signed ends with garbage queries', () => {
  const queries = [
    '',
    '?droplet_ip',
    '?droplet_ip=',
    '?droplet_ip=%zz',
    '?droplet_ip=%E0%A4%A',
    '?droplet_ip[]=1.2.3.4',
    '?droplet_ip=1e999999',
    `?droplet_ip=${'9'.repeat(5000)}`,
    '?droplet_ip=a&droplet_ip=b',
    '?__proto__[droplet_ip]=1.2.3.4',
    '?constructor[prototype][x]=1',
    '?droplet_ip=%00',
  ];
  for (const path of ['/server/end', '/sessions/end']) {
    it(`${path}: every garbage query → 4xx with a reason, nothing changed`, async () => {
      for (const q of queries) await expectRejectedCleanly(`${path}${q}`, '');
    });
    it(`${path}: a garbage body is ignored, the query decides (unknown address → 404)`, async () => {
      expect(await expectRejectedCleanly(`${path}?droplet_ip=198.51.100.1`, deepArray(10_000))).toBe(404);
    });
  }
});
