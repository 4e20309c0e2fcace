import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestStore, STORE_KINDS, type TestStore } from './test-stores.js';

for (const kind of STORE_KINDS) {
  describe(`webhook ledger (${kind})`, () => {
    let t: TestStore;
    beforeAll(async () => {
      t = await openTestStore(kind);
    });
    afterAll(async () => t.dispose());

    it('claim() gives a URL to one owner until its lease ends; writes need the lease', async () => {
      const l = t.store.webhooks();
      await l.ensureTarget('a', 'https://h/x', 7);
      await l.ensureTarget('a', 'https://h/x', 99); // exists: unchanged
      expect((await l.claim('a', 'p1', 1000, 2000))?.cursor).toBe(7);
      expect(await l.claim('a', 'p2', 1500, 2500)).toBeNull();
      expect(await l.delivered('a', 'p2', 8, 1500, 200)).toBe(false);
      expect(await l.delivered('a', 'p1', 8, 1500, 200)).toBe(true);
      // p1's lease ran out: p2 takes over, and p1 can no longer move the cursor.
      expect((await l.claim('a', 'p2', 2001, 3000))?.cursor).toBe(8);
      expect(await l.skipTo('a', 'p1', 9)).toBe(false);
      expect(await l.failed('a', 'p2', { nowMs: 2100, status: 500, error: 'HTTP 500' }, 2200)).toBe(true);
      expect(await l.claim('a', 'p2', 2101, 3000)).toMatchObject({
        attempts: 1,
        nextAttemptAtMs: 2200,
        failedAttempts: 1,
        lastStatus: 500,
      });
      expect(
        await l.deadLetter('a', 'p2', {
          eventId: 9,
          kind: 'server.created',
          deadAtMs: 2300,
          attempts: 2,
          lastStatus: null,
          lastError: 'timed out',
          body: '{"id":9}',
        }),
      ).toBe(true);
      // A second dead letter for the same event (a replay after a lost lease) is refused.
      expect(
        await l.deadLetter('a', 'p2', {
          eventId: 9,
          kind: 'server.created',
          deadAtMs: 2300,
          attempts: 2,
          lastStatus: null,
          lastError: 'x',
          body: '{}',
        }),
      ).toBe(false);
      const [target] = await l.listTargets();
      expect(target).toMatchObject({
        cursor: 9,
        attempts: 0,
        dead: 1,
        delivered: 1,
        failedAttempts: 2,
        lastError: 'timed out',
      });
      expect(await l.listDeadLetters(10)).toEqual([
        expect.objectContaining({ targetId: 'a', eventId: 9, attempts: 2, lastError: 'timed out', body: '{"id":9}' }),
      ]);
      await l.release('a', 'p2');
      expect(await l.claim('a', 'p3', 2400, 3000)).not.toBeNull();
    });
  });
}
