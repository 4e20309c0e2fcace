import { describe, expect, it } from 'vitest';
import { Rollback, rollBack, type Store } from '../../../src/store/store.js';
import { makeServer } from '../fixtures.js';
import type { StoreKind } from '../test-stores.js';

/**
 * Store contract, transactions and the capacity lock.
 * `store()` returns the current test's fresh store.
 */
export function transactionContract(store: () => Store, _kind: StoreKind): void {
  describe('transactions', () => {
    it('commits on success and rolls back on a throw; a body cannot open a nested transaction', async () => {
      const kept = makeServer();
      const dropped = makeServer();
      await store().transaction(async (tx) => {
        await tx.insertServer(kept);
        // @ts-expect-error a transaction's handle has no transaction(): helpers take the Tx itself
        expect(tx.transaction).toBeUndefined();
        await tx.setMetaIfAbsent('k', 'v');
      });
      await expect(
        store().transaction(async (tx) => {
          await tx.insertServer(dropped);
          await tx.setMetaIfAbsent('k2', 'v');
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await store().getServer(kept.id)).not.toBeNull();
      expect(await store().getMeta('k')).toBe('v');
      expect(await store().getServer(dropped.id)).toBeNull();
      expect(await store().getMeta('k2')).toBeNull();
    });

    it('a Rollback rolls its body back and is the value', async () => {
      const dropped = makeServer();
      const out = await store().transaction(async (tx) => {
        await tx.insertServer(dropped);
        tx.recordEvent({ atMs: 1, kind: 'server.created', serverId: dropped.id, sessionId: null, data: {} });
        return rollBack('no');
      });
      expect(out).toBeInstanceOf(Rollback);
      expect(out.reason).toBe('no');
      expect(await store().getServer(dropped.id)).toBeNull();
      expect(await store().listEvents(0, 10)).toEqual([]);
    });

    it('lockCapacity() serialises capacity decisions; outside a transaction it does not compile', async () => {
      // @ts-expect-error lockCapacity exists on a transaction's handle only
      expect(store().lockCapacity).toBeUndefined();
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
