import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator.js';
import { testOrchestrator } from '../helpers/orchestrator.js';

/**
 * Errors the HTTP layer raises before any route runs (a broken request line, a client too slow
 * with its headers or body, headers too large, a body over the limit) answer in the original's
 * shape, `{"detail": "…"}`, with the right status, like every other error of its routes.
 */
let orch: Orchestrator;
let port: number;
beforeAll(async () => {
  orch = await testOrchestrator({ HEADERS_TIMEOUT_MS: '300', BODY_TIMEOUT_MS: '300', BODY_LIMIT_BYTES: '100' });
  await orch.app.listen({ host: '127.0.0.1', port: 0 });
  port = (orch.app.server.address() as { port: number }).port;
});
afterAll(async () => orch.close());

/** Writes the bytes (without half-closing, so timeouts can fire) and reads until the server closes. */
function exchange(bytes: string): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let got = '';
    const done = () => {
      clearTimeout(t);
      s.destroy();
      resolve(got);
    };
    const t = setTimeout(done, 5000);
    s.on('data', (d) => (got += d.toString('latin1')));
    s.on('error', done);
    s.on('close', done);
    s.write(bytes);
  });
}

function parse(answer: string): { status: number; headers: string; body: unknown } {
  const [head = '', body = ''] = answer.split('\r\n\r\n');
  return {
    status: Number(/^HTTP\/1\.1 (\d{3}) /.exec(head)?.[1]),
    headers: head.toLowerCase(),
    body: JSON.parse(body),
  };
}

const cases: [string, string, number, string][] = [
  ['a malformed request line', 'GARBAGE\r\n\r\n', 400, 'Bad Request'],
  [
    'conflicting framing headers',
    'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n',
    400,
    'Bad Request',
  ],
  ['headers that never finish (408)', 'POST /sessions/start HTTP/1.1\r\nHost: x\r\n', 408, 'Request Timeout'],
  [
    'a body that never finishes (408)',
    'POST /server/heartbeat HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{',
    408,
    'Request Timeout',
  ],
  [
    'headers over the size limit (431)',
    `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`,
    431,
    'Request header fields too large',
  ],
  [
    'a body over BODY_LIMIT_BYTES (413)',
    `POST /server/heartbeat HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n${'x'.repeat(500)}`,
    413,
    'Request body is too large',
  ],
  [
    'a chunked body over BODY_LIMIT_BYTES (413)',
    `POST /sessions/join?game_tag=x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1f4\r\n${'x'.repeat(500)}\r\n0\r\n\r\n`,
    413,
    'Request body is too large',
  ],
];

describe('connection-level errors answer {"detail": …}', () => {
  for (const [name, bytes, status, detail] of cases) {
    it(`${name} → ${status} {"detail": "${detail}"}`, async () => {
      const r = parse(await exchange(bytes));
      expect(r.status).toBe(status);
      expect(r.headers).toContain('content-type: application/json');
      expect(r.body).toEqual({ detail });
    });
  }

  it('the service still serves afterwards', async () => {
    const r = parse(await exchange('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    expect(r.status).toBe(200);
  });
});
