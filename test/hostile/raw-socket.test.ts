import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_KEY } from '../helpers/orchestrator.js';
import { startService, type RunningService } from '../helpers/processes.js';
import { createStore } from '../../src/store/create-db.js';
import { deepArray, fillPool } from './hostile-helpers.js';

/**
 * The real service as a process, fed raw bytes over TCP: malformed request lines, smuggling
 * header combinations, broken chunking. It never answers 5xx, never logs an unexpected
 * error, and is still serving (not crashed) afterwards.
 */
let svc: RunningService;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'orch-hostile-'));
  // A warm pool written before the service starts: starts are answered at once, never 503.
  const store = await createStore({ kind: 'sqlite', path: path.join(dir, 'o.db') });
  await fillPool(store, 300);
  await store.close();
  svc = await startService(['serve'], {
    DB_PATH: path.join(dir, 'o.db'),
    INTERNAL_HMAC_SECRET: TEST_KEY,
    MAX_SERVERS: '0',
    START_TIMEOUT_S: '0',
    LOG_LEVEL: 'warn',
    HEADERS_TIMEOUT_MS: '1000',
    BODY_LIMIT_BYTES: '4096',
  });
}, 60_000);
afterAll(async () => {
  if (svc.proc.exitCode === null) {
    svc.proc.kill('SIGTERM');
    await svc.exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

/** Writes the bytes, half-closes, and collects everything until the server closes (or 1.5 s pass). */
function exchange(port: number, bytes: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let got = '';
    const done = () => {
      clearTimeout(t);
      s.destroy();
      resolve(got);
    };
    const t = setTimeout(done, 1500);
    s.on('data', (d) => (got += d.toString('latin1')));
    s.on('error', done);
    s.on('close', done);
    s.end(bytes);
  });
}

const goodMethod = fc.constantFrom('GET', 'POST', 'POST', 'POST', 'PUT', 'OPTIONS', 'DELETE');
const badMethod = fc.oneof(
  fc.constantFrom('PRI', 'CONNECT', 'G ET', 'POST\x00', 'post', ''),
  fc.string({ maxLength: 8 }),
);
const route = fc.constantFrom(
  '/',
  '/sessions/start',
  '/sessions/join?game_tag=AAAAAA',
  '/sessions/join?game_tag=%zz&game_tag=',
  '/server/heartbeat',
  '/server/end?droplet_ip=1.2.3.4',
  '/sessions/end?__proto__[x]=1',
  '/%zz',
  `/${'a'.repeat(10_000)}`,
  `/sessions/join?game_tag=${'%41'.repeat(3000)}`,
);
const badTarget = fc.oneof(
  fc.constantFrom('*', 'http://evil/', '//x', '/\x00', '/ /', ''),
  fc.string({ maxLength: 30 }).map((s) => `/${s}`),
);
const wellFormedHeader = fc.constantFrom(
  'Content-Type: application/json',
  'Content-Type: text/plain',
  'Content-Type: ',
  'Origin: http://localhost:1',
  'Origin: https://evil.example',
  'Access-Control-Request-Method: POST',
  'Request-Timestamp: 1',
  'Request-Signature: x',
  'Request-Signature: a\r\nRequest-Signature: b',
  'Server-Id: 00000000-0000-0000-0000-000000000000',
  'Idempotency-Key: k',
  'Expect: 100-continue',
  'Connection: upgrade\r\nUpgrade: websocket',
  `X-Big: ${'b'.repeat(10_000)}`,
);
const framingHeader = fc.constantFrom(
  'Content-Length: 99999999999999999999',
  'Content-Length: -1',
  'Content-Length: 1, 2',
  'Content-Length: 3\r\nContent-Length: 4',
  'Transfer-Encoding: chunked',
  'Transfer-Encoding: gzip, chunked',
  'Transfer-Encoding: chunked\r\nContent-Length: 3',
  'Transfer-Encoding: identity',
);
const badHeader = fc.oneof(
  fc.constantFrom(
    ' folded: continuation',
    'NoColon',
    ': empty-name',
    'X-Bad\x01: v',
    `X-Huge: ${'h'.repeat(20_000)}`,
    'Host: a\r\nHost: b',
  ),
  fc.string({ maxLength: 40 }),
);
const body = fc.oneof(
  fc.constantFrom(
    '',
    '{}',
    'hello',
    '{"droplet_ip": "1.2.3.4", "connected_clients": 1}',
    '{"__proto__": {"x": 1}}',
    deepArray(1000),
    'x'.repeat(10_000),
  ),
  fc.string({ maxLength: 64 }),
);
const chunkedBody = fc.constantFrom(
  '0\r\n\r\n',
  '5\r\nhello\r\n0\r\n\r\n',
  'zz\r\nxx\r\n',
  'FFFFFFFFFFFFFFFF\r\n',
  '2;ext=1\r\n{}\r\n0\r\n\r\n',
  '3\r\n{}\r\n',
);

/** Mostly well-formed HTTP/1.1 with hostile content (reaching the app), some broken framing, some plain garbage. */
const rawRequest = fc
  .record({
    kind: fc.constantFrom('app', 'app', 'app', 'framing', 'broken'),
    method: goodMethod,
    badMethod,
    route,
    badTarget,
    version: fc.constantFrom('HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1x', ''),
    headers: fc.array(wellFormedHeader, { maxLength: 3 }),
    framing: framingHeader,
    bad: fc.array(badHeader, { minLength: 1, maxLength: 2 }),
    body,
    chunked: chunkedBody,
    pipelined: fc.boolean(),
  })
  .map((r) => {
    const lines: string[] = [...r.headers];
    let requestLine = `${r.method} ${r.route} HTTP/1.1`;
    let payload = r.body;
    if (r.kind === 'app') lines.push(`Content-Length: ${Buffer.byteLength(r.body, 'latin1')}`);
    if (r.kind === 'framing') {
      lines.push(r.framing);
      payload = r.framing.includes('chunked') ? r.chunked : r.body;
    }
    if (r.kind === 'broken') {
      requestLine = `${r.badMethod} ${r.badTarget} ${r.version}`;
      lines.push(...r.bad);
    }
    const head = `${requestLine}\r\nHost: x\r\n${lines.map((h) => `${h}\r\n`).join('')}\r\n`;
    const one = Buffer.from(head + payload, 'latin1');
    return r.pipelined ? Buffer.concat([one, Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')]) : one;
  });

describe('raw bytes over TCP to the real process', () => {
  it('never a 5xx status, never an unexpected error, and the process keeps serving', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          rawRequest,
          fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
        ),
        async (bytes) => {
          const answer = await exchange(svc.port, bytes);
          const statuses = [...answer.matchAll(/HTTP\/1\.[01] (\d{3}) /g)].map((m) => Number(m[1]));
          for (const status of statuses)
            expect(
              status,
              `${JSON.stringify(bytes.toString('latin1').slice(0, 300))} → ${answer.slice(0, 300)}`,
            ).toBeLessThan(500);
          expect(svc.proc.exitCode).toBeNull();
        },
      ),
      { numRuns: 150, seed: 4242 },
    );
    const alive = await fetch(`${svc.url}/`);
    expect(alive.status).toBe(200);
    expect(svc.proc.exitCode).toBeNull();
    expect(svc.output()).not.toMatch(/unexpected error|unhandled rejection|uncaught/i);
  });
});
