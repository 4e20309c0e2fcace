import { describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/store.js';
import { makeServer, makeSession, T0 } from '../fixtures.js';
import type { StoreKind } from '../test-stores.js';

/**
 * Store contract, sessions: codes, live-session rules, the join path, assignment.
 * `store()` returns the current test's fresh store.
 */
export function sessionContract(store: () => Store, _kind: StoreKind): void {
  describe('sessions', () => {
    it('insertSession() and getSession() round-trip, fresh as a boolean', async () => {
      const srv = makeServer({ state: 'allocated' });
      await store().insertServer(srv);
      const s = makeSession({
        state: 'active',
        serverId: srv.id,
        activatedAtMs: T0 + 1,
        lastPlayedAtMs: T0 + 2,
        coldStart: true,
      });
      expect(await store().insertSession(s)).toBe(true);
      expect(await store().getSession(s.id)).toEqual(s);
      const p = makeSession();
      expect(await store().insertSession(p)).toBe(true);
      expect(await store().getSession(p.id)).toEqual(p);
      expect(await store().getSession('nope')).toBeNull();
    });

    it('a code is unique among live sessions; an ended session frees it', async () => {
      const a = makeSession({ code: 'QWERTY' });
      expect(await store().insertSession(a)).toBe(true);
      expect(await store().insertSession(makeSession({ code: 'QWERTY' }))).toBe(false);
      expect(await store().countSessions(['pending'])).toBe(1);
      await store().endSession(a.id, ['pending'], 'cancelled', T0 + 1);
      const b = makeSession({ code: 'QWERTY' });
      expect(await store().insertSession(b)).toBe(true);
      expect((await store().findLiveSessionByCode('QWERTY'))?.id).toBe(b.id);
    });

    it('a code taken inside a transaction does not abort it', async () => {
      await store().insertSession(makeSession({ code: 'TAKEN1' }));
      const other = makeSession({ code: 'FREE01' });
      await store().transaction(async (tx) => {
        expect(await tx.insertSession(makeSession({ code: 'TAKEN1' }))).toBe(false);
        expect(await tx.insertSession(other)).toBe(true);
      });
      expect(await store().getSession(other.id)).not.toBeNull();
    });

    it('a server holds at most one live session', async () => {
      const srv = makeServer({ state: 'allocated' });
      await store().insertServer(srv);
      const a = makeSession({ state: 'active', serverId: srv.id });
      await store().insertSession(a);
      await expect(store().insertSession(makeSession({ state: 'active', serverId: srv.id }))).rejects.toThrow(
        /live session/,
      );
      expect((await store().findLiveSessionByServer(srv.id))?.id).toBe(a.id);
      await store().endSession(a.id, ['active'], 'server_ended', T0 + 1);
      expect(await store().findLiveSessionByServer(srv.id)).toBeNull();
      expect(await store().insertSession(makeSession({ state: 'active', serverId: srv.id }))).toBe(true);
    });

    it('findJoinAddress() answers only for active sessions', async () => {
      const srv = makeServer({ state: 'allocated', ip: '10.3.3.3' });
      await store().insertServer(srv);
      const s = makeSession({ code: 'JOINME', state: 'active', serverId: srv.id });
      await store().insertSession(s);
      await store().insertSession(makeSession({ code: 'WAITNG' }));
      expect(await store().findJoinAddress('JOINME')).toBe('10.3.3.3');
      expect(await store().findJoinAddress('WAITNG')).toBeNull();
      expect(await store().findJoinAddress('NOSUCH')).toBeNull();
      await store().endSession(s.id, ['active'], 'idle', T0 + 1);
      expect(await store().findJoinAddress('JOINME')).toBeNull();
    });

    it('listSessions() and countSessions() filter by state, oldest first', async () => {
      const a = makeSession({ createdAtMs: T0 + 2 });
      const b = makeSession({ createdAtMs: T0 + 1 });
      const c = makeSession({ createdAtMs: T0 + 3, state: 'ended', endedAtMs: T0 + 4, endReason: 'cancelled' });
      for (const s of [a, b, c]) await store().insertSession(s);
      expect((await store().listSessions(['pending'])).map((s) => s.id)).toEqual([b.id, a.id]);
      expect(await store().listSessions(['ended'])).toEqual([c]);
      expect(await store().listSessions([])).toEqual([]);
      expect(await store().countSessions(['pending', 'ended'])).toBe(3);
      expect(await store().countSessions([])).toBe(0);
    });

    it('assignOldestPending() activates the oldest pending session on the server', async () => {
      const srv = makeServer({ state: 'allocated' });
      await store().insertServer(srv);
      expect(await store().assignOldestPending(srv.id, T0 + 1)).toBeNull();
      const young = makeSession({ createdAtMs: T0 + 2 });
      const old = makeSession({ createdAtMs: T0 + 1, coldStart: true });
      await store().insertSession(young);
      await store().insertSession(old);
      const got = await store().assignOldestPending(srv.id, T0 + 50);
      expect(got).toEqual({
        ...old,
        state: 'active',
        serverId: srv.id,
        activatedAtMs: T0 + 50,
        lastPlayedAtMs: T0 + 50,
      });
      // The server is taken now: the next pending session waits for another server.
      expect(await store().assignOldestPending(srv.id, T0 + 51)).toBeNull();
      expect((await store().getSession(young.id))?.state).toBe('pending');
    });

    it('assignOldestPending() gives a server only to a session of its region, the oldest there', async () => {
      const srv = makeServer({ state: 'allocated', region: 'ams3' });
      await store().insertServer(srv);
      const olderElsewhere = makeSession({ createdAtMs: T0 + 1, region: 'nyc3' });
      const mine = makeSession({ createdAtMs: T0 + 2, region: 'ams3' });
      await store().insertSession(olderElsewhere);
      await store().insertSession(mine);
      expect((await store().assignOldestPending(srv.id, T0 + 50))?.id).toBe(mine.id);
      expect((await store().getSession(olderElsewhere.id))?.state).toBe('pending');
      const other = makeServer({ state: 'allocated', region: 'sgp1' });
      await store().insertServer(other);
      expect(await store().assignOldestPending(other.id, T0 + 51)).toBeNull();
    });

    it('endSession() ends from the given states only', async () => {
      const s = makeSession();
      await store().insertSession(s);
      expect(await store().endSession(s.id, ['active'], 'idle', T0 + 1)).toBeNull();
      const ended = await store().endSession(s.id, ['pending', 'active'], 'start_timeout', T0 + 2);
      expect(ended).toEqual({ ...s, state: 'ended', endedAtMs: T0 + 2, endReason: 'start_timeout' });
      expect(await store().endSession(s.id, ['pending', 'active'], 'idle', T0 + 3)).toBeNull();
    });

    it('touchSessionPlayed() moves the idle clock of the live session only', async () => {
      const srv = makeServer({ state: 'allocated' });
      await store().insertServer(srv);
      const old = makeSession({
        state: 'ended',
        serverId: srv.id,
        lastPlayedAtMs: T0,
        endedAtMs: T0,
        endReason: 'idle',
      });
      const live = makeSession({ state: 'active', serverId: srv.id, lastPlayedAtMs: T0 });
      await store().insertSession(old);
      await store().insertSession(live);
      await store().touchSessionPlayed(srv.id, T0 + 77);
      expect((await store().getSession(live.id))?.lastPlayedAtMs).toBe(T0 + 77);
      expect((await store().getSession(old.id))?.lastPlayedAtMs).toBe(T0);
    });

    it('listSessionsStartedSince() returns sessions of every state created at or after the time, oldest first', async () => {
      const srv = makeServer({ state: 'allocated' });
      await store().insertServer(srv);
      const old = makeSession({ createdAtMs: T0 - 1 });
      const pending = makeSession({ createdAtMs: T0 + 30 });
      const active = makeSession({ createdAtMs: T0 + 20, state: 'active', serverId: srv.id, activatedAtMs: T0 + 21 });
      const ended = makeSession({
        createdAtMs: T0,
        state: 'ended',
        activatedAtMs: T0 + 1,
        endedAtMs: T0 + 600_000,
        endReason: 'server_ended',
      });
      for (const s of [old, pending, active, ended]) expect(await store().insertSession(s)).toBe(true);
      const got = await store().listSessionsStartedSince(T0);
      expect(got.map((s) => s.id)).toEqual([ended.id, active.id, pending.id]);
      expect(got[0]).toEqual(ended);
      expect(await store().listSessionsStartedSince(T0 + 31)).toEqual([]);
    });
  });
}
