import { describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/store.js';
import { makeServer } from '../fixtures.js';
import type { StoreKind } from '../test-stores.js';

/**
 * Store contract, transactions and the capacity lock.
 * `store()` returns the current test's fresh store.
 */
export function transactionContract(store: () => Store, _kind: StoreKind): void {
  describe('transactions', () => {
    it('commits on success and rolls back on a throw; nested calls join the outer one', async () => {
      const kept = makeServer();
      const dropped = makeServer();
      await store().transaction(async (tx) => {
        await tx.insertServer(kept);
        await tx.transaction(async (inner) => inner.setMetaIfAbsent('k', 'v'));
      });
      await expect(
        store().transaction(async (tx) => {
          await tx.insertServer(dropped);
          await tx.transaction(async (inner) => inner.setMetaIfAbsent('k2', 'v'));
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await store().getServer(kept.id)).not.toBeNull();
      expect(await store().getMeta('k')).toBe('v');
      expect(await store().getServer(dropped.id)).toBeNull();
      expect(await store().getMeta('k2')).toBeNull();
    });

    it('lockCapacity() serialises capacity decisions; outside a transaction it is refused', async () => {
      await expect(store().lockCapacity()).rejects.toThrow(/inside transaction/);
      const made = await Promise.all(
        Array.from({ length: 10 }, () =>
          store().transaction(async (tx) => {
            await tx.lockCapacity();
            if ((await tx.countServers(['creating'])) >= 3) return false;
            await tx.insertServer(makeServer({ state: 'creating' }));
            return true;
          }),
        ),
      );
      expect(made.filter(Boolean)).toHaveLength(3);
      expect(await store().countServers(['creating'])).toBe(3);
    });
  });
}
