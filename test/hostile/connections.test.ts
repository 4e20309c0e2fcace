import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SILENT_GAME_SERVER, TEST_KEY } from '../helpers/orchestrator.js';
import { startService, waitFor, type RunningService } from '../helpers/processes.js';

/**
 * Issue 21 items 3 and 4, against the real service as a process over real sockets (127.0.0.1
 * only; other loopback addresses as the clients' source addresses, so "per address" has more
 * than one address to count). Nothing here is timed: each step waits for an event (a close, an
 * answer), bounded generously, and a step that never happens fails the test.
 */

/** A connection the test opened: what the server wrote, and whether the server has closed it. */
interface Conn {
  socket: Socket;
  closed: boolean;
  /** Everything the server wrote, once the connection has closed. */
  answer: Promise<string>;
  /** What the server has written so far. */
  received(): string;
}

function open(port: number, bytes: string, from = '127.0.0.1'): Conn {
  const socket = connect({ port, host: '127.0.0.1', localAddress: from });
  let got = '';
  const conn: Conn = { socket, closed: false, answer: Promise.resolve(''), received: () => got };
  conn.answer = new Promise((resolve) => {
    socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => {
      conn.closed = true;
      resolve(got);
    });
  });
  socket.write(bytes);
  return conn;
}

/** One request on its own connection (Connection: close), from `from`; resolves with the status line's code, or 0 if none. */
async function ask(port: number, path: string, from = '127.0.0.1', method = 'GET'): Promise<number> {
  const c = open(port, `${method} ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, from);
  const answer = await c.answer;
  return Number(/^HTTP\/1\.1 (\d{3}) /.exec(answer)?.[1] ?? 0);
}

/** The head of a POST whose 100-byte body never comes (one byte of it arrives). */
const SLOW_BODY =
  'POST /sessions/start HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{';

const capLines = (svc: RunningService, cap: string) =>
  svc
    .output()
    .split('\n')
    .filter((l) => l.includes('connection cap reached') && l.includes(`"cap":"${cap}"`));

/** orchestrator_connections_refused_total{cap} from the service's /metrics. */
async function refusedCounter(svc: RunningService, cap: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${svc.port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`orchestrator_connections_refused_total{cap="${cap}"}`));
  return Number(line?.split(' ').at(-1) ?? NaN);
}

function stop(svc: RunningService | undefined): Promise<unknown> | undefined {
  if (!svc || svc.proc.exitCode !== null) return;
  svc.proc.kill('SIGTERM');
  return svc.exited;
}

describe('connection caps (MAX_CONNECTIONS, MAX_CONNECTIONS_PER_ADDRESS)', () => {
  let svc: RunningService;
  beforeAll(async () => {
    // 256 open files: before the caps, 300 held connections took every descriptor and /healthz
    // stopped answering (issue 21 item 3, with 20,000 there).
    svc = await startService(
      ['serve'],
      {
        DB_PATH: ':memory:',
        INTERNAL_HMAC_SECRET: TEST_KEY,
        MAX_SERVERS: '0',
        LOG_LEVEL: 'warn',
        MAX_CONNECTIONS: '100',
        HEALTH_CONNECTIONS_RESERVE: '8',
        MAX_CONNECTIONS_PER_ADDRESS: '60',
        // The flood's bodies are held until the test lets them go, not cut by their deadline.
        BODY_TIMEOUT_MS: '600000',
        CONNECTION_CAP_LOG_INTERVAL_MS: '600000',
      },
      undefined,
      { openFileLimit: 256 },
    );
  }, 60_000);
  afterAll(() => stop(svc));

  it('one address holds at most MAX_CONNECTIONS_PER_ADDRESS; another is served; the cap is logged once', async () => {
    // An address nothing else in this file uses (the service's start-up probe keeps a connection from 127.0.0.1).
    const flood = Array.from({ length: 90 }, () => open(svc.port, SLOW_BODY, '127.0.0.21'));
    await waitFor('30 of 90 connections from one address refused', () => flood.filter((c) => c.closed).length >= 30);
    // Refused at once, without an answer; the 60 the cap allows are still open.
    const refused = flood.filter((c) => c.closed);
    for (const c of refused) expect(await c.answer).toBe('');
    expect(refused.length).toBe(30);
    expect(await ask(svc.port, '/', '127.0.0.21')).toBe(0);
    expect(await ask(svc.port, '/', '127.0.0.2')).toBe(200);
    expect(await ask(svc.port, '/healthz', '127.0.0.2')).toBe(200);
    await waitFor('the per-address cap logged', () => capLines(svc, 'MAX_CONNECTIONS_PER_ADDRESS').length > 0);
    expect(capLines(svc, 'MAX_CONNECTIONS_PER_ADDRESS')).toHaveLength(1);
    expect(capLines(svc, 'MAX_CONNECTIONS_PER_ADDRESS')[0]).toContain('127.0.0.21');
    // Every refusal counted (the log line is rate-limited; the counter is not).
    expect(await refusedCounter(svc, 'MAX_CONNECTIONS_PER_ADDRESS')).toBe(31);

    for (const c of flood) c.socket.destroy();
    await waitFor(
      '127.0.0.21 served again once its connections closed',
      async () => (await ask(svc.port, '/', '127.0.0.21')) === 200,
    );
  }, 60_000);

  it('300 slow bodies from five addresses: the rest are refused, /healthz, /readyz and /metrics still answer, the cap is logged once', async () => {
    const from = ['127.0.0.11', '127.0.0.12', '127.0.0.13', '127.0.0.14', '127.0.0.15'];
    const flood = Array.from({ length: 300 }, (_, i) => open(svc.port, SLOW_BODY, from[i % from.length]));
    // 100 held (MAX_CONNECTIONS); the others refused at once, or (within the reserve) answered 503.
    await waitFor('200 of 300 connections refused', () => flood.filter((c) => c.closed).length >= 200, 30_000);
    const answers = await Promise.all(flood.filter((c) => c.closed).map((c) => c.answer));
    for (const a of answers) expect(a).toMatch(/^$|^HTTP\/1\.1 503 /);

    expect(flood.filter((c) => !c.closed).length).toBeLessThanOrEqual(100);

    // The reserve's places free up as the flood's 503s close: the first probe may wait for one.
    await waitFor('/healthz answers', async () => (await ask(svc.port, '/healthz', '127.0.0.3')) === 200, 10_000);
    for (const path of ['/healthz', '/readyz', '/metrics'])
      expect(await ask(svc.port, path, '127.0.0.3'), path).toBe(200);
    // A public route, while the public connections are all taken: 503, not a hang.
    expect(await ask(svc.port, '/', '127.0.0.3')).toBe(503);

    await waitFor('the total cap logged', () => capLines(svc, 'MAX_CONNECTIONS').length > 0);
    expect(capLines(svc, 'MAX_CONNECTIONS')).toHaveLength(1);
    // At least the 100 of 300 past the cap and its reserve were closed unread, each counted.
    expect(await refusedCounter(svc, 'MAX_CONNECTIONS')).toBeGreaterThanOrEqual(100);
    for (const c of flood) c.socket.destroy();
    expect(svc.proc.exitCode).toBeNull();
  }, 60_000);
});

describe('bodies: a short deadline of their own, and 413 / 431 that reach the client', () => {
  let svc: RunningService;
  beforeAll(async () => {
    svc = await startService(['serve'], {
      DB_PATH: ':memory:',
      INTERNAL_HMAC_SECRET: TEST_KEY,
      LOG_LEVEL: 'warn',
      BODY_TIMEOUT_MS: '500',
      // A start waits this long for its (silent) server: far past the body's deadline.
      START_TIMEOUT_S: '3',
      MAX_SERVERS: '1',
      GAME_SERVER_COMMAND: SILENT_GAME_SERVER,
      START_RATE_LIMIT_PER_MIN: '0',
    });
  }, 60_000);
  afterAll(() => stop(svc));

  it('a body still arriving after BODY_TIMEOUT_MS is answered 408 and its connection closed', async () => {
    const c = open(
      svc.port,
      'POST /server/heartbeat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{',
    );
    // The client keeps sending, a byte at a time: progress does not extend the deadline.
    const drip = setInterval(() => !c.socket.destroyed && c.socket.write(' '), 50);
    const answer = await Promise.race([c.answer, new Promise<null>((r) => setTimeout(() => r(null), 15_000))]);
    clearInterval(drip);
    c.socket.destroy();
    expect(answer, 'still open 15 s after a 500 ms body deadline').not.toBeNull();
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  }, 30_000);

  it('a start that waits past BODY_TIMEOUT_MS for a server gets its own answer', async () => {
    const r = await fetch(`${svc.url}/sessions/start`, { method: 'POST' });
    expect(r.status).toBe(503);
    expect(await r.json()).toEqual({ detail: expect.any(String) as unknown });
  }, 30_000);

  it("Node's fetch posting 5 MB gets the 413, 20 times of 20", async () => {
    const big = 'x'.repeat(5 * 1024 * 1024);
    const outcomes: string[] = [];
    for (let i = 0; i < 20; i++) {
      const url = i % 2 ? `${svc.url}/v1/sessions` : `${svc.url}/server/heartbeat`;
      try {
        const r = await fetch(url, { method: 'POST', body: big, headers: { 'content-type': 'application/json' } });
        await r.text();
        outcomes.push(String(r.status));
      } catch (err) {
        const cause = (err as { cause?: { code?: string } }).cause;
        outcomes.push(cause?.code ?? String(err));
      }
    }
    expect(outcomes).toEqual(Array.from({ length: 20 }, () => '413'));
  }, 60_000);

  it("Node's fetch sending 64 KB of headers (and a 5 MB body behind them) gets the 431, 20 times of 20", async () => {
    const big = 'x'.repeat(5 * 1024 * 1024);
    const outcomes: string[] = [];
    for (let i = 0; i < 20; i++) {
      try {
        const r = await fetch(`${svc.url}/sessions/join?game_tag=AAAAAA`, {
          method: 'POST',
          headers: { 'x-big': 'b'.repeat(64 * 1024) },
          body: big,
        });
        await r.text();
        outcomes.push(String(r.status));
      } catch (err) {
        const cause = (err as { cause?: { code?: string } }).cause;
        outcomes.push(cause?.code ?? String(err));
      }
    }
    expect(outcomes).toEqual(Array.from({ length: 20 }, () => '431'));
  }, 60_000);

  it('a 431 on a kept-alive connection, after a first answer, reaches the client too', async () => {
    const c = open(svc.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor('the first answer', () => c.received().includes('{"status":"ok"}'));
    c.socket.write(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(64 * 1024)}\r\n\r\n`);
    const answer = await c.answer;
    expect(answer).toMatch(/^HTTP\/1\.1 200 [\s\S]*HTTP\/1\.1 431 /);
  }, 30_000);
});
