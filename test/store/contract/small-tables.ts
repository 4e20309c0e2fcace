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

    it('hitCounter() counts per fixed window; peekCounter() reads without counting', async () => {
      const w = 60_000;
      const start = Math.floor(T0 / w) * w;
      expect(await store().peekCounter('ip:1', w, start)).toBe(0);
      expect(await store().hitCounter('ip:1', w, start)).toBe(1);
      expect(await store().hitCounter('ip:1', w, start + w - 1, 5)).toBe(6);
      expect(await store().hitCounter('ip:2', w, start)).toBe(1);
      expect(await store().peekCounter('ip:1', w, start + 10)).toBe(6);
      expect(await store().peekCounter('ip:1', w, start + w)).toBe(0);
      expect(await store().hitCounter('ip:1', w, start + w)).toBe(1);
    });

    it('purgeExpired() drops expired entries of every kind and keeps the rest', async () => {
      await store().putIdempotencyKey('old', 's', T0, T0 + 10);
      await store().putIdempotencyKey('new', 's', T0, T0 + 1000);
      await store().rememberSignature('old', T0, T0 + 10);
      await store().rememberSignature('new', T0, T0 + 1000);
      await store().hitCounter('short', 10, T0); // its window ends by T0 + 10
      await store().hitCounter('long', 100_000, T0 + 20);
      expect(await store().purgeExpired(T0 + 20)).toBe(3);
      expect(await store().getIdempotentSession('new', T0 + 20)).toBe('s');
      expect(await store().rememberSignature('new', T0 + 20, T0 + 1000)).toBe(false);
      expect(await store().peekCounter('long', 100_000, T0 + 20)).toBe(1);
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
