import { afterEach, describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/emulator/rate-limiter.js';
import { json, testEmulator, type TestEmulator } from './helpers.js';

const T0 = 1_700_000_000_000;

describe('RateLimiter', () => {
  it('counts each request for exactly one hour (a sliding window)', () => {
    const rl = new RateLimiter(3, 100);
    expect(rl.take('t', T0).remaining).toBe(2);
    expect(rl.take('t', T0 + 1_000_000).remaining).toBe(1);
    const third = rl.take('t', T0 + 2_000_000);
    expect(third).toMatchObject({ allowed: true, remaining: 0, resetS: (T0 + 3_600_000) / 1000 });
    const refused = rl.take('t', T0 + 3_599_999);
    expect(refused).toMatchObject({ allowed: false, remaining: 0, resetS: (T0 + 3_600_000) / 1000 });
    expect(refused.retryAfterS).toBeUndefined();
    // The oldest request expires; exactly one slot frees up and the reset moves to the next oldest.
    const freed = rl.take('t', T0 + 3_600_000);
    expect(freed).toMatchObject({ allowed: true, remaining: 0, resetS: (T0 + 1_000_000 + 3_600_000) / 1000 });
  });

  it('refuses the burst over the per-minute limit with a retry-after until the minute slides', () => {
    const rl = new RateLimiter(1000, 2);
    rl.take('t', T0);
    rl.take('t', T0 + 10_000);
    const refused = rl.take('t', T0 + 15_000);
    expect(refused).toMatchObject({ allowed: false, remaining: 0, retryAfterS: 45 });
    expect(rl.take('t', T0 + 60_000).allowed).toBe(true);
  });

  it('keeps separate windows per token', () => {
    const rl = new RateLimiter(1, 10);
    expect(rl.take('a', T0).allowed).toBe(true);
    expect(rl.take('a', T0).allowed).toBe(false);
    expect(rl.take('b', T0).allowed).toBe(true);
  });
});

describe('rate limits over HTTP', () => {
  let emu: TestEmulator;
  afterEach(async () => emu.app.close());

  it('answers 429 too_many_requests with ratelimit-remaining 0 once the hourly budget is spent', async () => {
    emu = testEmulator({ rateLimitPerHour: 3, burstPerMinute: 100 });
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await emu.call('GET', '/v2/account');
      expect(res.statusCode).toBe(200);
      remaining.push(String(res.headers['ratelimit-remaining']));
      await emu.advance(1000);
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const refused = await emu.call('GET', '/v2/account');
    expect(refused.statusCode).toBe(429);
    expect(json(refused)).toMatchObject({ id: 'too_many_requests', message: 'API rate limit exceeded.' });
    expect(refused.headers['ratelimit-remaining']).toBe('0');
    expect(refused.headers['ratelimit-limit']).toBe('3');
    expect(Number(refused.headers['ratelimit-reset']) * 1000).toBe(emu.clock.now() - 3000 + 3_600_000);
    expect(refused.headers['retry-after']).toBeUndefined();
    await emu.advance(3_600_000 - 3000);
    expect((await emu.call('GET', '/v2/account')).statusCode).toBe(200);
  });

  it('answers the burst limit with 429 and retry-after', async () => {
    emu = testEmulator({ rateLimitPerHour: 100, burstPerMinute: 2 });
    await emu.call('GET', '/v2/account');
    await emu.call('GET', '/v2/account');
    await emu.advance(20_000);
    const refused = await emu.call('GET', '/v2/account');
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('40');
    expect(refused.headers['ratelimit-remaining']).toBe('0');
    await emu.advance(40_000);
    expect((await emu.call('GET', '/v2/account')).statusCode).toBe(200);
  });

  it('limits each token on its own and does not count unauthenticated requests', async () => {
    emu = testEmulator({ rateLimitPerHour: 1 });
    for (let i = 0; i < 3; i++) await emu.app.inject({ method: 'GET', url: '/v2/account' });
    const a = await emu.app.inject({ method: 'GET', url: '/v2/account', headers: { authorization: 'Bearer a' } });
    const a2 = await emu.app.inject({ method: 'GET', url: '/v2/account', headers: { authorization: 'Bearer a' } });
    const b = await emu.app.inject({ method: 'GET', url: '/v2/account', headers: { authorization: 'Bearer b' } });
    expect([a.statusCode, a2.statusCode, b.statusCode]).toEqual([200, 429, 200]);
  });

  it('gives the next N requests a 429 with retry-after under the burst429 fault', async () => {
    emu = testEmulator({ faults: { burst429: 2, burst429RetryAfterS: 7 } });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await emu.call('GET', '/v2/account');
      statuses.push(res.statusCode);
      if (res.statusCode === 429) {
        expect(res.headers['retry-after']).toBe('7');
        expect(res.headers['ratelimit-remaining']).toBe('0');
      }
    }
    expect(statuses).toEqual([429, 429, 200]);
    expect(json(await emu.app.inject({ method: 'GET', url: '/_emulator/faults' })).burst429).toBe(0);
  });
});
