import { afterAll, beforeAll, beforeEach, describe } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { concurrencyContract } from '../store/contract/concurrency.js';
import { eventsContract } from '../store/contract/events.js';
import { seatContract } from '../store/contract/seats.js';
import { serverContract } from '../store/contract/servers.js';
import { sessionContract } from '../store/contract/sessions.js';
import { smallTablesContract } from '../store/contract/small-tables.js';
import { transactionContract } from '../store/contract/transactions.js';
import { warmStartContract } from '../store/contract/warm-start.js';
import { openTestStore, STORE_KINDS, type TestStore } from '../store/test-stores.js';

/**
 * The Store contract, one suite run over every dialect. Each test starts from empty tables
 * (SQLite: a new in-memory store; PostgreSQL: this file's own schema, truncated, dropped
 * at the end). PostgreSQL must be
 * reachable: an unreachable server fails the suite rather than skipping it.
 */
for (const kind of STORE_KINDS) {
  describe(`Store contract (${kind})`, () => {
    let t: TestStore;
    beforeAll(async () => {
      t = await openTestStore(kind);
    });
    beforeEach(async () => {
      await t.reset();
    });
    afterAll(async () => {
      await t?.dispose();
    });
    const store = (): Store => t.store;

    serverContract(store, kind);
    sessionContract(store, kind);
    smallTablesContract(store, kind);
    transactionContract(store, kind);
    concurrencyContract(store, kind);
    eventsContract(store, kind);
    seatContract(store, kind);
    warmStartContract(store, kind);
  });
}
