import { describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/store.js';
import { T0 } from '../fixtures.js';
import type { StoreKind } from '../test-stores.js';

/**
 * Store contract, idempotency keys, the replay cache, rate counters and meta.
 * `store()` returns the current test's fresh store.
 */
export function smallTablesContract(store: () => Store, _kind: StoreKind): void {
  describe('idempotency, replay cache, counters, meta', () => {
    it('an idempotency key names the first session until it expires', async () => {
      expect(await store().getIdempotentSession('k', T0)).toBeNull();
      expect(await store().putIdempotencyKey('k', 'a', T0, T0 + 100)).toBe('a');
      expect(await store().putIdempotencyKey('k', 'b', T0 + 1, T0 + 101)).toBe('a');
      expect(await store().getIdempotentSession('k', T0 + 99)).toBe('a');
      expect(await store().getIdempotentSession('k', T0 + 100)).toBeNull();
      expect(await store().putIdempotencyKey('k', 'c', T0 + 100, T0 + 200)).toBe('c');
      expect(await store().getIdempotentSession('k', T0 + 150)).toBe('c');
    });

    it('rememberSignature() reports a replay of the same signature (its expiry comes from its timestamp)', async () => {
      const sig = 'a3f1'.repeat(16);
      const other = 'b7c2'.repeat(16);
      expect(await store().rememberSignature(sig, T0, T0 + 10)).toBe(true);
      expect(await store().rememberSignature(sig, T0 + 9, T0 + 10)).toBe(false);
      expect(await store().rememberSignature(other, T0 + 9, T0 + 10)).toBe(true);
      // Another timestamp signs to another signature in practice; the key includes the expiry.
      expect(await store().rememberSignature(sig, T0 + 9, T0 + 11)).toBe(true);
      // Non-hex input still maps to a key (only verified signatures are stored, but never throw).
      expect(await store().rememberSignature('not hex', T0, T0 + 10)).toBe(true);
      expect(await store().rememberSignature('not hex', T0, T0 + 10)).toBe(false);
    });

    it('leakHit() fills a bucket that drains limit per window; leakLevel() reads without counting', async () => {
      const b = { limit: 6, windowMs: 60_000 }; // drains one hit every 10 s
      expect(await store().leakLevel('ip:1', b, T0)).toBe(0);
      expect(await store().leakHit('ip:1', b, T0)).toBe(1);
      expect(await store().leakHit('ip:1', b, T0, 4)).toBe(5);
      expect(await store().leakHit('ip:2', b, T0)).toBe(1);
      expect(await store().leakLevel('ip:1', b, T0 + 5_000)).toBe(4.5);
      expect(await store().leakHit('ip:1', b, T0 + 5_000)).toBe(5.5);
      // Never above limit + 1: a client refused while hammering is not locked out for longer.
      expect(await store().leakHit('ip:1', b, T0 + 5_000, 50)).toBe(7);
      // A refund dated before the last hit lowers the level and does not move the last hit back.
      expect(await store().leakHit('ip:1', b, T0, -1)).toBe(6);
      expect(await store().leakLevel('ip:1', b, T0 + 15_000)).toBe(5);
      // Drains to zero, never below.
      expect(await store().leakLevel('ip:1', b, T0 + 600_000)).toBe(0);
      expect(await store().leakHit('ip:1', b, T0 + 600_000)).toBe(1);
    });

    it('purgeExpired() drops expired entries of every kind and keeps the rest', async () => {
      await store().putIdempotencyKey('old', 's', T0, T0 + 10);
      await store().putIdempotencyKey('new', 's', T0, T0 + 1000);
      await store().rememberSignature('old', T0, T0 + 10);
      await store().rememberSignature('new', T0, T0 + 1000);
      await store().leakHit('short', { limit: 1, windowMs: 10 }, T0); // drained by T0 + 10
      await store().leakHit('long', { limit: 1, windowMs: 100_000 }, T0 + 20);
      expect(await store().purgeExpired(T0 + 20)).toBe(3);
      expect(await store().getIdempotentSession('new', T0 + 20)).toBe('s');
      expect(await store().rememberSignature('new', T0 + 20, T0 + 1000)).toBe(false);
      expect(await store().leakLevel('long', { limit: 1, windowMs: 100_000 }, T0 + 20)).toBe(1);
      expect(await store().purgeExpired(T0 + 20)).toBe(0);
    });

    it('purgeExpired() deletes past one batch (ties on expires_at included) and keeps what has not expired', async () => {
      // 2,500 expired signatures over 250 distinct expiries, and 10 that stay.
      await store().transaction(async (tx) => {
        for (let i = 0; i < 2500; i++)
          await tx.rememberSignature(i.toString(16).padStart(16, '0'), T0, T0 + 1 + Math.floor(i / 10));
        for (let i = 0; i < 10; i++)
          await tx.rememberSignature(`f${i.toString(16).padStart(15, '0')}`, T0, T0 + 10_000);
      });
      expect(await store().purgeExpired(T0 + 1000)).toBe(2500);
      expect(await store().rememberSignature('0000000000000000', T0 + 1000, T0 + 1)).toBe(true);
      expect(await store().rememberSignature(`f${'0'.repeat(15)}`, T0 + 1000, T0 + 10_000)).toBe(false);
    });

    it('setMetaIfAbsent() keeps the first value', async () => {
      expect(await store().getMeta('secret')).toBeNull();
      expect(await store().setMetaIfAbsent('secret', 'one')).toBe('one');
      expect(await store().setMetaIfAbsent('secret', 'two')).toBe('one');
      expect(await store().getMeta('secret')).toBe('one');
    });
  });
}
