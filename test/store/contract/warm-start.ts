import { describe, expect, it, vi } from 'vitest';
import type { FleetEvent } from '../../../src/domain/events.js';
import { claimReadyServer, insertSession, type SessionVerbContext } from '../../../src/fleet/session-verbs.js';
import type { Store, WarmStarted } from '../../../src/store/store.js';
import { makeServer, makeSession, nextCode, T0 } from '../fixtures.js';
import type { StoreKind } from '../test-stores.js';

/** Waits for the outbox to let a reader see what was committed (see events.ts). */
const settled = (check: () => Promise<void>) => vi.waitFor(check, { timeout: 10_000, interval: 20 });

const fresh = () => ({ id: crypto.randomUUID(), code: nextCode() });

/**
 * Store contract, a warm start in one statement (Store.startOnReadyServer, issue 22 item 6):
 * PostgreSQL runs it, SQLite keeps its in-process transaction. It must do exactly what the
 * transaction's claimReadyServer + insertSession do, events included.
 */
export function warmStartContract(store: () => Store, kind: StoreKind): void {
  describe('warm start in one statement', () => {
    if (kind === 'sqlite') {
      it('is not offered on SQLite (its transactions are in-process)', () => {
        expect(store().startOnReadyServer).toBeUndefined();
      });
      return;
    }
    const start = (over: Partial<Parameters<NonNullable<Store['startOnReadyServer']>>[0]> = {}) =>
      store().startOnReadyServer!({ nowMs: T0 + 1000, region: 'local', fresh, ...over });

    it('claims the longest-ready server of the region, inserts the active session and writes what the transaction writes', async () => {
      const older = makeServer({ readyAtMs: T0 - 10 });
      const twin = makeServer({ readyAtMs: T0 - 10 });
      await store().insertServer(makeServer({ readyAtMs: T0 - 20, region: 'elsewhere' }));
      await store().insertServer(older);
      await store().insertServer(twin);
      await store().insertServer(makeServer({ readyAtMs: T0 }));
      const published: FleetEvent[][] = [];
      const off = store().onEvents((e) => published.push([...e]));
      let warm: WarmStarted | null;
      try {
        warm = await start({ details: { maxPlayers: 8, metadata: '{"map":"dust"}' } });
      } finally {
        off();
      }
      expect(warm).not.toBeNull();
      const first = [older, twin].sort((a, b) => (a.id < b.id ? -1 : 1))[0]!;
      expect(warm!.server).toEqual({
        ...first,
        state: 'allocated',
        updatedAtMs: T0 + 1000,
        stateChangedAtMs: T0 + 1000,
      });
      expect(await store().getServer(first.id)).toEqual(warm!.server);
      expect(await store().getSession(warm!.session.id)).toEqual(warm!.session);
      expect(warm!.session).toMatchObject({ state: 'active', serverId: first.id, region: 'local', coldStart: false });
      expect(await store().getDetailedSession(warm!.session.id)).toMatchObject({
        maxPlayers: 8,
        metadata: '{"map":"dust"}',
      });
      expect(published).toEqual([warm!.events]);

      // The same start through the transaction, on the next server: the same events but for ids.
      const c: SessionVerbContext = { log: console as never, now: () => T0 + 1000, keepAfterSession: () => true };
      const viaTx = await store().transaction(async (tx) => {
        const s = await claimReadyServer(tx, c, 'local');
        const session = makeSession({
          state: 'active',
          serverId: s!.id,
          createdAtMs: T0 + 1000,
          activatedAtMs: T0 + 1000,
          lastPlayedAtMs: T0 + 1000,
        });
        expect(await insertSession(tx, session)).toBe(true);
        return { server: s!, session };
      });
      await settled(async () => expect(await store().listEvents(0, 10)).toHaveLength(4));
      const stored = await store().listEvents(0, 10);
      expect(stored.slice(0, 2)).toEqual(warm!.events);
      // Ids, codes and addresses are each start's own; the rest must be the same.
      const shape = (e: FleetEvent) => ({
        ...e,
        id: 0,
        serverId: 'SERVER',
        sessionId: e.sessionId && 'SESSION',
        data: { ...e.data, ...('code' in e.data ? { code: 'CODE' } : {}), ...('ip' in e.data ? { ip: 'IP' } : {}) },
      });
      expect(stored.slice(0, 2).map(shape)).toEqual(stored.slice(2).map(shape));
      expect(viaTx.session.serverId).not.toBe(first.id);
      expect(warm!.events[0]!.id).toBeLessThan(warm!.events[1]!.id);
    });

    it('records the placement it is given in the session and its session.started event (the original routes: none)', async () => {
      await store().insertServer(makeServer());
      await store().insertServer(makeServer());
      const placed = await start({ placement: 'default_region' });
      const plain = await start();
      expect([placed!.session.placement, plain!.session.placement]).toEqual(['default_region', null]);
      expect((await store().getSession(placed!.session.id))!.placement).toBe('default_region');
      expect((await store().getSession(plain!.session.id))!.placement).toBeNull();
      expect(placed!.events[1]!.data).toMatchObject({ placement: 'default_region' });
      expect(plain!.events[1]!.data).toMatchObject({ placement: null });
    });

    it('with no ready server to claim (none, another region, not heard from) writes nothing and says null', async () => {
      expect(await start()).toBeNull();
      await store().insertServer(makeServer({ region: 'elsewhere' }));
      await store().insertServer(makeServer({ lastHeartbeatAtMs: T0 - 5000, readyAtMs: T0 - 5000 }));
      await store().insertServer(makeServer({ state: 'allocated' }));
      expect(await start({ heardSinceMs: T0 - 1000 })).toBeNull();
      expect(await store().countSessions(['active', 'pending', 'ended'])).toBe(0);
      expect(await store().countServers(['allocated'])).toBe(1);
      expect(await store().lastEventId()).toBe(0);
      expect(await start({ region: undefined })).not.toBeNull();
    });

    it('a share code a live session holds undoes the claim, and the start is made again with a new code', async () => {
      await store().insertServer(makeServer({ state: 'allocated' }));
      const taken = makeSession({ code: 'TAKEN1' });
      expect(await store().insertSession(taken)).toBe(true);
      await store().insertServer(makeServer());
      const codes = ['TAKEN1', 'FREE01'];
      const warm = await start({ fresh: () => ({ id: crypto.randomUUID(), code: codes.shift()! }) });
      expect(warm?.session.code).toBe('FREE01');
      expect(await store().countServers(['allocated'])).toBe(2);
      expect(await store().countSessions(['active'])).toBe(1);
    });

    it('binds an Idempotency-Key to the new session; a key already stored (even expired) makes it write nothing', async () => {
      await store().insertServer(makeServer());
      await store().insertServer(makeServer());
      const idempotencyKey = { key: 'k-1', expiresAtMs: T0 + 60_000 };
      const warm = await start({ idempotencyKey });
      expect(await store().getIdempotentSession('k-1', T0 + 1000)).toBe(warm!.session.id);
      expect(await start({ idempotencyKey })).toBeNull();
      await store().putIdempotencyKey('k-old', 'gone', T0 - 10, T0 - 5);
      expect(await start({ idempotencyKey: { key: 'k-old', expiresAtMs: T0 + 60_000 } })).toBeNull();
      expect(await store().countServers(['allocated'])).toBe(1);
      expect(await store().countSessions(['active'])).toBe(1);
    });

    it('10 racing warm starts under one Idempotency-Key: one session; the others write nothing', async () => {
      await store().transaction(async (tx) => {
        for (let i = 0; i < 10; i++) await tx.insertServer(makeServer({ readyAtMs: T0 + i }));
      });
      const idempotencyKey = { key: 'race', expiresAtMs: T0 + 60_000 };
      const got = await Promise.all(Array.from({ length: 10 }, () => start({ idempotencyKey })));
      const wins = got.filter((w) => w !== null);
      expect(wins).toHaveLength(1);
      expect(await store().getIdempotentSession('race', T0 + 1000)).toBe(wins[0]!.session.id);
      expect(await store().countServers(['allocated'])).toBe(1);
      expect(await store().countSessions(['active'])).toBe(1);
    });

    it('50 concurrent warm starts over 10 ready servers: exactly 10 win, each on a server of its own', async () => {
      await store().transaction(async (tx) => {
        for (let i = 0; i < 10; i++) await tx.insertServer(makeServer({ readyAtMs: T0 + i }));
      });
      const got = await Promise.all(Array.from({ length: 50 }, () => start()));
      const wins = got.filter((w) => w !== null);
      expect(wins).toHaveLength(10);
      expect(new Set(wins.map((w) => w.server.id)).size).toBe(10);
      expect(await store().countSessions(['active'])).toBe(10);
    });
  });
}
