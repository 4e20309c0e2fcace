import { describe, expect, it } from 'vitest';
import { createStore } from '../../src/store/create-db.js';
import type { Store, Tx } from '../../src/store/store.js';

/*
 * Compile-time checks (tsc runs over test/ in `npm test`): each @ts-expect-error below must be
 * an error, or tsc fails with "Unused '@ts-expect-error' directive". A transaction's handle is
 * its own type: the outer store is not reachable from a body through it, and the verbs that
 * need a transaction are not on the store.
 */
describe('the transaction model is checked by the compiler', () => {
  it('a body cannot reach the outer store through its tx; the store has no tx verbs', async () => {
    const store = await createStore({ kind: 'sqlite', path: ':memory:' });
    try {
      await store.transaction(async (tx) => {
        // @ts-expect-error no nested transaction from a body: on SQLite it would wait for this one
        expect(tx.transaction).toBeUndefined();
        // @ts-expect-error a Tx is not a Store: a helper taking the Store cannot be handed a body's tx
        const outer: Store = tx;
        expect(outer).toBe(tx);
        // @ts-expect-error nor close the database from inside a transaction
        expect(tx.close).toBeUndefined();
      });
      // @ts-expect-error recordEvent exists only inside a transaction
      expect(store.recordEvent).toBeUndefined();
      // @ts-expect-error lockCapacity exists only inside a transaction
      expect(store.lockCapacity).toBeUndefined();
      // @ts-expect-error a Store is not a Tx: a verb that needs a transaction cannot be given the store
      const tx: Tx = store;
      expect(tx).toBe(store);
    } finally {
      await store.close();
    }
  });
});
