import { describe, expect, it } from 'vitest';
import { LoopbackAddresses, freePortOn } from '../../../src/providers/local/loopback-addresses.js';

describe('LoopbackAddresses', () => {
  it('starts at .2 and rotates instead of reusing a just-freed address', () => {
    const pool = new LoopbackAddresses('127.0.0');
    expect(pool.next(new Set())).toBe('127.0.0.2');
    expect(pool.next(new Set())).toBe('127.0.0.3');
    expect(pool.next(new Set(['127.0.0.4', '127.0.0.5']))).toBe('127.0.0.6');
  });

  it('moves on to the next third octet after .254', () => {
    const pool = new LoopbackAddresses('127.0.0');
    const used = new Set<string>();
    for (let i = 0; i < 253; i++) used.add(pool.next(used));
    expect([...used].at(-1)).toBe('127.0.0.254');
    expect(pool.next(used)).toBe('127.0.1.1');
  });

  it('throws once every address is taken', () => {
    const pool = new LoopbackAddresses('127.9.255');
    const used = new Set<string>();
    for (let i = 0; i < 253; i++) used.add(pool.next(used));
    expect(() => pool.next(used)).toThrow(/no free loopback address/);
  });

  it.each(['127.0', '127.0.0.1', '127.0.300', 'a.b.c'])('refuses hostBase %j', (base) => {
    expect(() => new LoopbackAddresses(base)).toThrow(/hostBase/);
  });

  it('freePortOn() finds a bindable port on a 127/8 address other than 127.0.0.1', async () => {
    const port = await freePortOn('127.0.0.77');
    expect(port).toBeGreaterThan(0);
  });
});
