import { describe, expect, it } from 'vitest';
import { timeOrderedId } from '../../src/util/ids.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('timeOrderedId', () => {
  it('is a version 7 UUID whose first 48 bits are the time in ms', () => {
    const t = 1_700_000_000_123;
    const id = timeOrderedId(t);
    expect(id).toMatch(UUID_V7);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(t);
  });

  it('sorts by time across milliseconds, and stays unique within one', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => timeOrderedId(1_700_000_000_000 + Math.floor(i / 10)));
    for (let i = 10; i < ids.length; i += 10) expect(ids[i - 1]! < ids[i]!).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    // 74 random bits: two ids of the same millisecond differ past the time.
    expect(ids[0]!.slice(0, 13)).toBe(ids[1]!.slice(0, 13));
    expect(ids[0]).not.toBe(ids[1]);
  });

  it('clamps times outside 48 bits instead of producing a malformed id', () => {
    expect(timeOrderedId(-5)).toMatch(/^00000000-0000-7/);
    expect(timeOrderedId(2 ** 60)).toMatch(/^ffffffff-ffff-7/);
    expect(timeOrderedId(2 ** 60)).toMatch(UUID_V7);
  });
});
