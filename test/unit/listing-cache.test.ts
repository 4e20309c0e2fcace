import { describe, expect, it } from 'vitest';
import { ListingCache } from '../../src/sessions/listing-cache.js';
import { FakeClock } from '../../src/util/clock.js';

describe('ListingCache (LOBBY_CACHE_MS)', () => {
  const counting = () => {
    let reads = 0;
    return { read: async () => ++reads, reads: () => reads };
  };

  it('answers a key from one read for ttlMs, then reads again; concurrent askers share the read in flight', async () => {
    const clock = new FakeClock(1_000_000);
    const cache = new ListingCache<number>(clock, 1000);
    const r = counting();
    expect(await Promise.all([cache.get('a', r.read), cache.get('a', r.read), cache.get('a', r.read)])).toEqual([
      1, 1, 1,
    ]);
    clock.advance(999);
    expect(await cache.get('a', r.read)).toBe(1);
    // Exactly ttlMs old: no longer given.
    clock.advance(1);
    expect(await cache.get('a', r.read)).toBe(2);
    // Another question is its own read.
    expect(await cache.get('b', r.read)).toBe(3);
    expect(r.reads()).toBe(3);
  });

  it('gives no answer of an older generation (this process changed what answers show), nor after clear()', async () => {
    const clock = new FakeClock(0);
    let generation = 0;
    const cache = new ListingCache<number>(clock, 60_000, () => generation);
    const r = counting();
    expect(await cache.get('a', r.read)).toBe(1);
    expect(await cache.get('a', r.read)).toBe(1);
    generation++;
    expect(await cache.get('a', r.read)).toBe(2);
    cache.clear();
    expect(await cache.get('a', r.read)).toBe(3);
  });

  it('ttlMs 0 caches nothing; a failed read is not an answer', async () => {
    const clock = new FakeClock(0);
    const off = new ListingCache<number>(clock, 0);
    const r = counting();
    await off.get('a', r.read);
    await off.get('a', r.read);
    expect(r.reads()).toBe(2);
    expect(off.size).toBe(0);
    const cache = new ListingCache<number>(clock, 1000);
    await expect(cache.get('a', () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
    expect(await cache.get('a', r.read)).toBe(3);
  });

  it('holds at most maxEntries answers, dropping the oldest first', async () => {
    const clock = new FakeClock(0);
    const cache = new ListingCache<string>(clock, 1000, () => 0, 3);
    for (const k of ['a', 'b', 'c', 'd']) await cache.get(k, async () => k);
    expect(cache.size).toBe(3);
    // 'a' went (oldest): read again; 'd' is still held.
    let reads = 0;
    await cache.get('d', async () => `${++reads}`);
    expect(reads).toBe(0);
    await cache.get('a', async () => `${++reads}`);
    expect(reads).toBe(1);
    expect(cache.size).toBe(3);
  });
});
