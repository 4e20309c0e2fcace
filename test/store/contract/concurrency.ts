import { describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/store.js';
import { makeServer, makeSession, T0 } from '../fixtures.js';
import type { StoreKind } from '../test-stores.js';

/**
 * Store contract, races: concurrent callers get distinct results, counts add up.
 * `store()` returns the current test's fresh store.
 */
export function concurrencyContract(store: () => Store, kind: StoreKind): void {
  describe('concurrency', () => {
    // Setup rows go in one transaction: one commit instead of one per row.
    async function readyServers(n: number): Promise<void> {
      await store().transaction(async (tx) => {
        for (let i = 0; i < n; i++) await tx.insertServer(makeServer({ readyAtMs: T0 + i }));
      });
    }

    it('100 concurrent claimReadyServer() over 100 ready servers take 100 distinct servers', async () => {
      await readyServers(100);
      const got = await Promise.all(Array.from({ length: 100 }, () => store().claimReadyServer(T0 + 1000)));
      expect(got.every((s) => s !== null)).toBe(true);
      expect(new Set(got.map((s) => s?.id)).size).toBe(100);
      expect(await store().countServers(['allocated'])).toBe(100);
    });

    it('50 concurrent claimReadyServer() over 10 ready servers: exactly 10 win', async () => {
      await readyServers(10);
      const got = await Promise.all(Array.from({ length: 50 }, () => store().claimReadyServer(T0 + 1000)));
      const wins = got.filter((s) => s !== null);
      expect(wins).toHaveLength(10);
      expect(new Set(wins.map((s) => s?.id)).size).toBe(10);
    });

    async function serversAndPending(servers: number, pending: number): Promise<string[]> {
      return store().transaction(async (tx) => {
        const ids: string[] = [];
        for (let i = 0; i < servers; i++) {
          const s = makeServer({ state: 'allocated' });
          await tx.insertServer(s);
          ids.push(s.id);
        }
        // insertSession() answers a live-code collision by inserting nothing: say so here, not as a lost race.
        for (let i = 0; i < pending; i++)
          expect(await tx.insertSession(makeSession({ createdAtMs: T0 + i }))).toBe(true);
        return ids;
      });
    }

    it('100 concurrent assignOldestPending() over 100 pending sessions assign 100 distinct sessions', async () => {
      const servers = await serversAndPending(100, 100);
      const got = await Promise.all(servers.map((id) => store().assignOldestPending(id, T0 + 1000)));
      expect(got.every((s) => s !== null)).toBe(true);
      expect(new Set(got.map((s) => s?.id)).size).toBe(100);
      expect(await store().countSessions(['pending'])).toBe(0);
    });

    it('50 concurrent assignOldestPending() over 10 pending sessions: exactly 10 win', async () => {
      const servers = await serversAndPending(50, 10);
      const got = await Promise.all(servers.map((id) => store().assignOldestPending(id, T0 + 1000)));
      const wins = got.filter((s) => s !== null);
      expect(wins).toHaveLength(10);
      expect(new Set(wins.map((s) => s?.id)).size).toBe(10);
      expect(new Set(wins.map((s) => s?.serverId)).size).toBe(10);
    });

    it('concurrent leakHit() increments add up (no drain at one instant)', async () => {
      const bucket = { limit: 1000, windowMs: 60_000 };
      const levels = await Promise.all(Array.from({ length: 100 }, () => store().leakHit('hot', bucket, T0)));
      expect([...levels].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      expect(await store().leakLevel('hot', bucket, T0)).toBe(100);
    });

    it('racing putIdempotencyKey() calls agree on one winner', async () => {
      const named = await Promise.all(
        Array.from({ length: 30 }, (_, i) => store().putIdempotencyKey('race', `s${i}`, T0, T0 + 1000)),
      );
      expect(new Set(named).size).toBe(1);
      expect(await store().getIdempotentSession('race', T0)).toBe(named[0]);
    });

    it('racing rememberSignature() calls: exactly one sees the signature as new', async () => {
      const fresh = await Promise.all(
        Array.from({ length: 30 }, () => store().rememberSignature('same', T0, T0 + 1000)),
      );
      expect(fresh.filter(Boolean)).toHaveLength(1);
    });

    if (kind === 'postgres') {
      it('claimReadyServer() skips a server another transaction is claiming instead of waiting', async () => {
        await readyServers(2);
        await store().transaction(async (tx) => {
          const mine = await tx.claimReadyServer(T0 + 1);
          // Without SKIP LOCKED this would wait for our lock forever: bound it instead.
          const theirs = await Promise.race([
            store().claimReadyServer(T0 + 1),
            new Promise<never>((_, reject) =>
              setTimeout(() => reject(new Error('claim blocked on a locked row')), 2000),
            ),
          ]);
          expect(mine).not.toBeNull();
          expect(theirs).not.toBeNull();
          expect(theirs?.id).not.toBe(mine?.id);
        });
      });
    }
  });
}
