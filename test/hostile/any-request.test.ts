import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator.js';
import { TEST_KEY, testOrchestrator } from '../helpers/orchestrator.js';
import { signedHeaders } from '../helpers/sign.js';
import { deepArray, deepObject, expectNoPrototypePollution, fillPool, reasonOf, snapshot } from './hostile-helpers.js';

/**
 * Property: whatever arrives — any method, path, query, headers and body, signed or not —
 * the answer is never a 5xx, every 4xx says why, Object.prototype stays clean, and a
 * rejected request leaves servers and sessions exactly as they were.
 */
const ROUTES = ['/', '/sessions/start', '/sessions/join', '/server/heartbeat', '/server/end', '/sessions/end'];
const METHODS = [
  'GET',
  'POST',
  'POST',
  'POST',
  'PUT',
  'DELETE',
  'PATCH',
  'OPTIONS',
  'HEAD',
  'PROPFIND',
  'TRACE',
  'SEARCH',
] as const;

const garbageText = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 10 }),
  fc.constantFrom(
    '%zz',
    '%E0%A4%A',
    '%00',
    '%',
    '%%',
    '..',
    '.',
    '',
    '1e999999',
    '9'.repeat(400),
    '-0',
    'NaN',
    '__proto__',
    'constructor',
    'prototype',
  ),
);
/** Any text, percent-encoded so it survives in a URL. */
const urlText = fc.oneof(
  garbageText.map(encodeURIComponent),
  fc.constantFrom('%zz', '%E0%A4%A', '%', '%00', '..', '', 'a%2Fb'),
);
const segment = fc.oneof(
  fc.constantFrom('sessions', 'server', 'start', 'join', 'heartbeat', 'end', 'v1', 'SESSIONS', '..', '.', ''),
  urlText,
);
const path = fc.oneof(
  fc.constantFrom(...ROUTES),
  fc.array(segment, { minLength: 1, maxLength: 5 }).map((s) => `/${s.join('/')}`),
);
const queryKey = fc.oneof(
  fc.constantFrom(
    'game_tag',
    'droplet_ip',
    '__proto__',
    'constructor',
    '__proto__[x]',
    'constructor[prototype][x]',
    'game_tag[]',
    'droplet_ip[0]',
  ),
  urlText,
);
const queryValue = fc.oneof(
  fc.constantFrom(
    'BENCH2',
    'bench2',
    '203.0.113.1',
    '1e999999',
    '9'.repeat(400),
    'x'.repeat(5000),
    '%zz',
    '%E0%A4%A',
    '',
  ),
  urlText,
);
const query = fc
  .array(fc.tuple(queryKey, queryValue, fc.boolean()), { maxLength: 4 })
  .map((pairs) =>
    pairs.length === 0 ? '' : `?${pairs.map(([k, v, bare]) => (bare && !v ? k : `${k}=${v}`)).join('&')}`,
  );

const contentType = fc.constantFrom(
  undefined,
  '',
  'application/json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=--x',
  'application/json; charset=utf-16',
  'application/octet-stream',
  '*/*',
  ';',
  'application/json'.repeat(500),
);
const headerValue = fc.oneof(
  fc.string({ maxLength: 30 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
  fc.constantFrom('x'.repeat(60_000), '1', '-1', ''),
);
const headers = fc.record(
  {
    'content-type': contentType,
    'request-signature': fc.oneof(headerValue, fc.array(headerValue, { minLength: 2, maxLength: 3 })),
    'request-timestamp': fc.oneof(
      headerValue,
      fc.constant(String(Math.floor(Date.now() / 1000))),
      fc.array(headerValue, { minLength: 2, maxLength: 3 }),
    ),
    request_signature: headerValue,
    'server-id': headerValue,
    'idempotency-key': headerValue,
    origin: fc.constantFrom('http://localhost:3000', 'https://evil.example', 'null', ''),
    'access-control-request-method': fc.constantFrom('POST', 'GET', ''),
    'access-control-request-headers': headerValue,
    'transfer-encoding': fc.constantFrom('chunked'),
    'x-huge': fc.constant('h'.repeat(100_000)),
  },
  { requiredKeys: [] },
);
const hostileBody = fc.constantFrom(
  '{"__proto__": {"polluted": true}}',
  '{"constructor": {"prototype": {"polluted": true}}}',
  deepArray(10_000),
  deepObject(10_000),
  '{"droplet_ip": "203.0.113.9", "connected_clients": 1e400}',
  '{"droplet_ip": "203.0.113.9", "connected_clients": 123456789012345678901234567890}',
  `{"droplet_ip": ${deepArray(10_000)}, "connected_clients": 0}`,
  '{"droplet_ip": "203.0.113.9", "connected_clients": "７"}',
);
const body = fc.oneof(
  fc.constant(undefined),
  hostileBody,
  hostileBody,
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null'),
  fc
    .dictionary(
      fc.constantFrom('droplet_ip', 'connected_clients', '__proto__', 'constructor'),
      fc.jsonValue({ maxDepth: 2 }),
      { maxKeys: 3 },
    )
    .map((o) => JSON.stringify(o)),
  fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
  fc.constant(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])),
);
const request = fc.record({ method: fc.constantFrom(...METHODS), path, query, headers, body, signed: fc.boolean() });

let orch: Orchestrator;
beforeAll(async () => {
  // No machines are made (MAX_SERVERS=0); starts are served from a pool big enough for every run.
  orch = await testOrchestrator({ MAX_SERVERS: '0', START_TIMEOUT_S: '0' });
  await fillPool(orch.store, 200);
});
afterAll(async () => {
  await orch.close();
});

describe('any request', () => {
  it('never a 5xx, a reason for every 4xx, no pollution, and nothing changed by a rejection', async () => {
    let starts = 0;
    await fc.assert(
      fc.asyncProperty(request, async (q) => {
        const url = `${q.path}${q.query}`;
        const hs: Record<string, string | string[]> = {};
        for (const [k, v] of Object.entries(q.headers)) if (v !== undefined) hs[k] = v;
        // A valid signature (with the shared key: no Server-Id) gets the request past authentication, to the parser and the service.
        if (q.signed) {
          delete hs['server-id'];
          Object.assign(hs, signedHeaders(TEST_KEY, q.method, url, q.body ?? ''));
        }
        const before = await snapshot(orch.store);
        const r = await orch.app.inject({
          method: q.method,
          url,
          headers: hs,
          ...(q.body === undefined ? {} : { payload: q.body }),
        });
        const label = `${q.method} ${url.slice(0, 200)} ${JSON.stringify(hs).slice(0, 300)} ${String(q.body).slice(0, 100)} → ${r.statusCode} ${r.payload.slice(0, 200)}`;
        if (q.path === '/sessions/start' && r.statusCode === 200) starts++;
        expect(r.statusCode, label).toBeLessThan(500);
        if (r.statusCode >= 400) {
          if (q.method !== 'HEAD') expect(reasonOf(r), label).not.toBeNull();
          expect(await snapshot(orch.store), label).toBe(before);
        }
        expectNoPrototypePollution();
      }),
      { numRuns: 250, seed: 1_125_2025 },
    );
    expect(starts).toBeLessThan(200);
  });

  it('the original routes with hostile queries and headers, signed and not', async () => {
    const onRoute = fc.record({
      method: fc.constant('POST'),
      path: fc.constantFrom(...ROUTES.slice(1)),
      query,
      headers,
      body,
      signed: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(onRoute, async (q) => {
        const url = `${q.path}${q.query}`;
        const hs: Record<string, string | string[]> = {};
        for (const [k, v] of Object.entries(q.headers)) if (v !== undefined) hs[k] = v;
        if (q.signed) {
          delete hs['server-id'];
          Object.assign(hs, signedHeaders(TEST_KEY, 'POST', url, q.body ?? ''));
        }
        const before = await snapshot(orch.store);
        const r = await orch.app.inject({
          method: 'POST',
          url,
          headers: hs,
          ...(q.body === undefined ? {} : { payload: q.body }),
        });
        const label = `POST ${url.slice(0, 200)} ${JSON.stringify(hs).slice(0, 300)} ${String(q.body).slice(0, 100)} → ${r.statusCode} ${r.payload.slice(0, 200)}`;
        expect(r.statusCode, label).toBeLessThan(500);
        if (r.statusCode >= 400) {
          expect(reasonOf(r), label).not.toBeNull();
          expect(await snapshot(orch.store), label).toBe(before);
        }
        expectNoPrototypePollution();
      }),
      { numRuns: 200, seed: 7 },
    );
  });
});
