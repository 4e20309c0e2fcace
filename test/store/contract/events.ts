import { describe, expect, it, vi } from 'vitest';
import { EventKind, type FleetEvent, type NewEvent } from '../../../src/domain/events.js';
import type { Store } from '../../../src/store/store.js';
import { makeServer, T0 } from '../fixtures.js';
import type { StoreKind } from '../test-stores.js';

function ev(kind: NewEvent['kind'], atMs = T0, serverId: string | null = null): NewEvent {
  return { atMs, kind, serverId, sessionId: null, data: { n: 1, why: 'test', ok: true, none: null } };
}

/**
 * Waits for `check` to pass. On PostgreSQL a committed event is readable once every transaction
 * older than it, anywhere in the cluster, has ended (event-queries.ts): another test file's
 * open transaction on the shared server may hold a read back a moment.
 */
const settled = (check: () => Promise<void>) => vi.waitFor(check, { timeout: 10_000, interval: 20 });

/**
 * Store contract, the transactional outbox: events ride on their transaction's commit, are
 * published after it (never for a rollback), read by cursor in id order, and pruned cheaply.
 */
export function eventsContract(store: () => Store, _kind: StoreKind): void {
  describe('events (the outbox)', () => {
    it('are written with their transaction and published after its commit, never after a rollback', async () => {
      const seen: FleetEvent[][] = [];
      const off = store().onEvents((e) => seen.push([...e]));
      try {
        const s = makeServer();
        let publishedInside = -1;
        await store().transaction(async (tx) => {
          await tx.insertServer(s);
          tx.recordEvent(ev(EventKind.ServerCreated, T0, s.id));
          tx.recordEvent(ev(EventKind.ServerStateChanged, T0 + 1, s.id));
          publishedInside = seen.length;
        });
        expect(publishedInside).toBe(0);
        expect(seen).toHaveLength(1);
        expect(seen[0]!.map((e) => e.kind)).toEqual([EventKind.ServerCreated, EventKind.ServerStateChanged]);
        expect(seen[0]![0]!.id).toBeLessThan(seen[0]![1]!.id);
        await expect(
          store().transaction(async (tx) => {
            tx.recordEvent(ev(EventKind.ServerDeleted, T0, s.id));
            throw new Error('boom');
          }),
        ).rejects.toThrow('boom');
        expect(seen).toHaveLength(1);
        await settled(async () => {
          const stored = await store().listEvents(0, 100);
          expect(stored.map((e) => e.kind)).toEqual([EventKind.ServerCreated, EventKind.ServerStateChanged]);
          expect(stored[0]).toEqual(seen[0]![0]);
          expect(stored[0]!.data).toEqual({ n: 1, why: 'test', ok: true, none: null });
        });
      } finally {
        off();
      }
    });

    it('outside a transaction recording does not compile (a Tx verb only)', () => {
      // @ts-expect-error recordEvent exists on a transaction's handle only
      expect(() => store().recordEvent(ev(EventKind.ServerCreated))).toThrow(TypeError);
    });

    it('concurrent transactions, one of which fails, publish each committed event exactly once', async () => {
      const seen: FleetEvent[] = [];
      const off = store().onEvents((e) => seen.push(...e));
      try {
        const results = await Promise.allSettled(
          Array.from({ length: 20 }, (_, i) =>
            store().transaction(async (tx) => {
              tx.recordEvent({ ...ev(EventKind.SessionStarted), data: { i } });
              if (i === 7) throw new Error('this one rolls back');
              await tx.setMetaIfAbsent(`k${i}`, 'v');
            }),
          ),
        );
        expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
        await settled(async () => {
          const stored = await store().listEvents(0, 100);
          const byI = stored.map((e) => e.data.i).sort((a, b) => Number(a) - Number(b));
          expect(byI).toEqual([...Array(20).keys()].filter((i) => i !== 7));
          expect(seen.map((e) => e.id).sort((a, b) => a - b)).toEqual(stored.map((e) => e.id));
        });
      } finally {
        off();
      }
    });

    it('read by cursor in id order; lastEventId follows', async () => {
      for (let i = 0; i < 5; i++)
        await store().transaction(async (tx) => tx.recordEvent({ ...ev(EventKind.SessionEnded), data: { i } }));
      await settled(async () =>
        expect((await store().listEvents(0, 100)).map((e) => e.data.i)).toEqual([0, 1, 2, 3, 4]),
      );
      const all = await store().listEvents(0, 100);
      const after = await store().listEvents(all[1]!.id, 2);
      expect(after.map((e) => e.data.i)).toEqual([2, 3]);
      expect(await store().lastEventId()).toBe(all[4]!.id);
    });

    it('prunes by age and by count, in bounded batches, and ids never go back', async () => {
      for (let i = 0; i < 10; i++) {
        await store().transaction(async (tx) =>
          tx.recordEvent({ ...ev(EventKind.SessionEnded, T0 + i * 1000), data: { i } }),
        );
      }
      await settled(async () => expect(await store().listEvents(0, 100)).toHaveLength(10));
      const last = await store().lastEventId();
      // Older than T0+3000: events 0,1,2; batch 2 → only two this call.
      expect(await store().pruneEvents(T0 + 3000, 1000, 2)).toBe(2);
      expect(await store().pruneEvents(T0 + 3000, 1000, 2)).toBe(1);
      expect(await store().pruneEvents(T0 + 3000, 1000, 100)).toBe(0);
      // Keep the newest 4 whatever their age.
      expect(await store().pruneEvents(0, 4, 100)).toBe(3);
      expect((await store().listEvents(0, 100)).map((e) => e.data.i)).toEqual([6, 7, 8, 9]);
      await store().pruneEvents(Number.MAX_SAFE_INTEGER, 100, 100);
      await store().transaction(async (tx) => tx.recordEvent(ev(EventKind.SessionEnded)));
      await settled(async () => {
        const next = await store().listEvents(0, 10);
        expect(next).toHaveLength(1);
        expect(next[0]!.id).toBeGreaterThan(last);
      });
    });
  });
}
