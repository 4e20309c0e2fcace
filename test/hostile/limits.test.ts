import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LIVE_SERVER_STATES } from '../../src/domain/server.js';
import type { Orchestrator } from '../../src/orchestrator.js';
import { FakeClock } from '../../src/util/clock.js';
import { TEST_KEY, testOrchestrator } from '../helpers/orchestrator.js';
import { signedHeaders } from '../helpers/sign.js';
import { fillPool, hasDetailShape, quietSnapshot, reasonOf, snapshot } from './hostile-helpers.js';

let orch: Orchestrator | null = null;
afterEach(async () => {
  await orch?.close();
  orch = null;
});

async function listening(env: Record<string, string>): Promise<{ o: Orchestrator; port: number }> {
  const o = await testOrchestrator({ MAX_SERVERS: '0', ...env });
  orch = o;
  await o.app.listen({ host: '127.0.0.1', port: 0 });
  return { o, port: (o.app.server.address() as { port: number }).port };
}

/** Resolves with what the server wrote once it closes the socket, or null if still open at the deadline. */
function closedWithin(s: Socket, deadlineMs: number): Promise<string | null> {
  let got = '';
  s.on('data', (d: Buffer) => (got += d.toString()));
  s.on('error', () => {});
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(null), deadlineMs);
    s.on('close', () => {
      clearTimeout(t);
      resolve(got);
    });
  });
}

describe('body size', () => {
  it('a body over BODY_LIMIT_BYTES → 413 with a reason on every POST route, signed or not', async () => {
    const o = await testOrchestrator({ BODY_LIMIT_BYTES: '1024', MAX_SERVERS: '0' });
    orch = o;
    const big = JSON.stringify({ droplet_ip: '203.0.113.1', connected_clients: 1, pad: 'x'.repeat(2000) });
    for (const url of [
      '/sessions/start',
      '/sessions/join?game_tag=AAAAAA',
      '/server/heartbeat',
      '/server/end?droplet_ip=203.0.113.1',
      '/sessions/end?droplet_ip=1.2.3.4',
    ]) {
      for (const headers of [{}, signedHeaders(TEST_KEY, 'POST', url, big)]) {
        const before = await snapshot(o.store);
        const r = await o.app.inject({
          method: 'POST',
          url,
          headers: { 'content-type': 'application/json', ...headers },
          payload: big,
        });
        expect(r.statusCode, url).toBe(413);
        expect(r.json()).toEqual({ detail: 'Request body is too large' });
        expect(await snapshot(o.store)).toBe(before);
      }
    }
  });

  it('a chunked body with no Content-Length is cut off at the limit too (real socket)', async () => {
    const { port } = await listening({ BODY_LIMIT_BYTES: '1024' });
    const s = connect(port, '127.0.0.1');
    const answer = closedWithin(s, 5000);
    s.write(
      'POST /server/heartbeat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n',
    );
    for (let i = 0; i < 8; i++) s.write(`200\r\n${'x'.repeat(0x200)}\r\n`);
    s.write('0\r\n\r\n');
    expect(await answer).toMatch(/^HTTP\/1\.1 413 /);
  });
});

describe('slow clients', () => {
  it('a slow-loris client sending its headers a byte at a time is cut off soon after HEADERS_TIMEOUT_MS', async () => {
    const { port } = await listening({ HEADERS_TIMEOUT_MS: '300' });
    const s = connect(port, '127.0.0.1');
    const text = `POST /sessions/join?game_tag=AAAAAA HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(10_000)}`;
    let i = 0;
    const drip = setInterval(() => {
      if (i < text.length && !s.destroyed) s.write(text[i++]!);
    }, 20);
    const t0 = Date.now();
    // Node checks header deadlines every connectionsCheckingInterval; allow up to ~1 s of that on top.
    const answer = await closedWithin(s, 2500);
    clearInterval(drip);
    s.destroy();
    expect(answer, `still open after ${Date.now() - t0} ms (HEADERS_TIMEOUT_MS=300)`).not.toBeNull();
    expect(answer).toMatch(/^HTTP\/1\.1 408 |^$/);
  });
});

describe('start flood', () => {
  it('one address gets START_RATE_LIMIT_PER_MIN starts, then 429 with Retry-After; MAX_SERVERS is never passed', async () => {
    // START_TIMEOUT_S=0: a start that has to wait gives up at once (503), so the flood is fast.
    const o = await testOrchestrator(
      { START_RATE_LIMIT_PER_MIN: '3', MAX_SERVERS: '2', START_TIMEOUT_S: '0' },
      { clock: new FakeClock() },
    );
    orch = o;
    const machines = async () =>
      (await o.store.listServers(LIVE_SERVER_STATES)).filter((s) => s.origin !== 'external').length;
    const start = (addr: string) => o.app.inject({ method: 'POST', url: '/sessions/start', remoteAddress: addr });
    const one = await Promise.all(Array.from({ length: 40 }, () => start('10.9.0.1')));
    const limited = one.filter((r) => r.statusCode === 429);
    expect(limited).toHaveLength(37);
    for (const r of limited) {
      expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(r.headers['retry-after'])).toBeLessThanOrEqual(60);
      expect(reasonOf(r)).toMatch(/Too many session starts/);
    }
    expect(one.filter((r) => r.statusCode !== 429).every((r) => r.statusCode === 503)).toBe(true);
    expect(await machines()).toBeLessThanOrEqual(2);
    // Many addresses at once: each within its limit, and still never more than MAX_SERVERS machines.
    const many = await Promise.all(Array.from({ length: 30 }, (_, i) => start(`10.9.1.${i % 10}`)));
    expect(many.filter((r) => r.statusCode === 429)).toHaveLength(0);
    expect(await machines()).toBeLessThanOrEqual(2);
    expect(await machines()).toBeGreaterThan(0);
    // A refused start adds no session and no server. Only that is asserted: the earlier starts'
    // servers keep moving (creating → starting) on their own, and may, in between.
    await quietSnapshot(o.store);
    const ids = async () => ({
      sessions: (await o.store.listSessions(['pending', 'active', 'ended'])).map((s) => s.id).sort(),
      servers: (await o.store.listServers()).map((s) => s.id).sort(),
    });
    const before = await ids();
    expect((await start('10.9.0.1')).statusCode).toBe(429);
    expect(await ids()).toEqual(before);
  });
});

describe('share-code guessing', () => {
  /*
   * Decided behaviour: failed lookups count per address. A real code joins from any address
   * until that address has JOIN_FAIL_LIMIT_PER_MIN failures in the minute; then the address
   * gets 429 for everything (a guesser cannot launder a guess through a real code), while
   * every other address is unaffected and correct joins never count as failures.
   */
  it('failures are limited per address; a real code still joins until the limit, other addresses are unaffected', async () => {
    const o = await testOrchestrator({ JOIN_FAIL_LIMIT_PER_MIN: '5', MAX_SERVERS: '0' }, { clock: new FakeClock() });
    orch = o;
    await fillPool(o.store, 1);
    const code = (await o.app.inject({ method: 'POST', url: '/sessions/start' })).json<{ share_tag: string }>()
      .share_tag;
    const join = (c: string, addr: string) =>
      o.app.inject({ method: 'POST', url: `/sessions/join?game_tag=${c}`, remoteAddress: addr });
    const guesser = '10.8.0.1';
    for (const wrong of ['AAAAAA', 'BBBBBB', 'CCCCCC', 'DDDDDD'])
      expect((await join(wrong, guesser)).statusCode).toBe(404);
    expect((await join(code, guesser)).statusCode).toBe(200);
    expect((await join('EEEEEE', guesser)).statusCode).toBe(404);
    const before = await snapshot(o.store);
    for (const c of ['FFFFFF', code, code.toLowerCase()]) {
      const r = await join(c, guesser);
      expect(r.statusCode).toBe(429);
      expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(reasonOf(r)).toMatch(/Too many unknown share codes/);
    }
    expect(await snapshot(o.store)).toBe(before);
    expect((await join(code, '10.8.0.2')).statusCode).toBe(200);
    expect((await join('GGGGGG', '10.8.0.2')).statusCode).toBe(404);
    for (let i = 0; i < 50; i++) expect((await join(code, '10.8.0.3')).statusCode).toBe(200);
  });

  it('a new minute forgives the guesser', async () => {
    const clock = new FakeClock();
    const o = await testOrchestrator({ JOIN_FAIL_LIMIT_PER_MIN: '2', MAX_SERVERS: '0' }, { clock });
    orch = o;
    const join = (c: string) =>
      o.app.inject({ method: 'POST', url: `/sessions/join?game_tag=${c}`, remoteAddress: '10.8.1.1' });
    await join('AAAAAA');
    await join('BBBBBB');
    const limited = await join('CCCCCC');
    expect(limited.statusCode).toBe(429);
    clock.advance(Number(limited.headers['retry-after']) * 1000);
    expect((await join('CCCCCC')).statusCode).toBe(404);
  });
});

describe('error shape', () => {
  it('a URL with a broken %-escape → 400 in the original {"detail": …} shape', async () => {
    const o = await testOrchestrator({ MAX_SERVERS: '0' });
    orch = o;
    for (const url of ['/%zz', '/sessions/%E0%A4%A', '/server/heartbeat%']) {
      const r = await o.app.inject({ method: 'POST', url });
      expect(r.statusCode, url).toBe(400);
      expect(hasDetailShape(r), `${url} → ${r.payload}`).toBe(true);
    }
  });
});
