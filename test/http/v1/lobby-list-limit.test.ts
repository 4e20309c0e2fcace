import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryBuckets } from '../../../src/http/memory-buckets.js';
import type { Orchestrator } from '../../../src/orchestrator.js';
import { FakeClock } from '../../../src/util/clock.js';
import { dialectEnv, DIALECTS } from '../../helpers/databases.js';
import { testOrchestrator } from '../../helpers/orchestrator.js';

let orch: Orchestrator | undefined;
let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await orch?.close();
  await cleanup?.();
  orch = undefined;
  cleanup = undefined;
});

for (const dialect of DIALECTS) {
  describe(`LOBBY_LIST_LIMIT_PER_MIN (${dialect})`, () => {
    it('refuses the listing past the limit per address with Retry-After, and lets one more through once a hit drained', async () => {
      const d = await dialectEnv(dialect);
      cleanup = d.cleanup;
      const clock = new FakeClock();
      orch = await testOrchestrator({ ...d.env, MAX_SERVERS: '0', LOBBY_LIST_LIMIT_PER_MIN: '3' }, { clock });
      const o = orch;
      const hits = vi.spyOn(o.store, 'leakHit');
      const list = (remoteAddress: string) =>
        o.app.inject({ method: 'GET', url: '/v1/lobbies?mode=duel', remoteAddress });
      for (let i = 0; i < 3; i++) expect((await list('203.0.113.7')).statusCode).toBe(200);
      const refused = await list('203.0.113.7');
      expect(refused.statusCode).toBe(429);
      expect(refused.json().error.code).toBe('rate_limited');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      // Another address has its own bucket; an IPv6 client counts by its /64.
      expect((await list('203.0.113.8')).statusCode).toBe(200);
      for (let i = 0; i < 3; i++) expect((await list(`2001:db8::${i + 1}`)).statusCode).toBe(200);
      expect((await list('2001:db8::ffff')).statusCode).toBe(429);
      // 3 a minute: one hit drains in 20 s; the refused listing counted too (up to limit + 1).
      clock.advance(20_000);
      expect((await list('203.0.113.7')).statusCode).toBe(429);
      clock.advance(40_000);
      expect((await list('203.0.113.7')).statusCode).toBe(200);
      expect((await list('203.0.113.7')).statusCode).toBe(429);
      // SQLite has the database to itself: the counts are in memory, no write per listing.
      // PostgreSQL replicas share them in the store.
      if (dialect === 'sqlite') expect(hits).not.toHaveBeenCalled();
      else expect(hits).toHaveBeenCalled();
    });
  });
}

describe('MemoryBuckets', () => {
  it('drains limit per window, caps at limit + 1, and a clock stepping back drains nothing', () => {
    const b = new MemoryBuckets({ limit: 2, windowMs: 60_000 });
    expect([b.hit('a', 0), b.hit('a', 0), b.hit('a', 0), b.hit('a', 0)]).toEqual([1, 2, 3, 3]);
    expect(b.hit('a', 30_000)).toBe(3); // 1 drained, 1 added
    expect(b.hit('a', 10_000)).toBe(3); // earlier: nothing drained, capped
    expect(b.hit('a', 120_000)).toBe(1); // drained to 0 after 90 s past the last hit
  });

  it('holds at most max buckets: drained ones go first, then the least recently hit', () => {
    const b = new MemoryBuckets({ limit: 10, windowMs: 60_000 }, 10);
    for (let i = 0; i < 10; i++) b.hit(`k${i}`, 0);
    expect(b.size).toBe(10);
    b.hit('k0', 0); // k0 is now the most recently hit
    b.hit('new', 0); // none drained: the least recently hit (k1) goes
    expect(b.size).toBe(10);
    expect(b.hit('k0', 0)).toBe(3);
    expect(b.hit('k1', 0)).toBe(1); // started over
    // Six seconds drain one hit each: all drained ones go at once.
    b.hit('later', 60_000);
    expect(b.size).toBeLessThanOrEqual(10);
  });
});
