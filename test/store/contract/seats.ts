import { describe, expect, it } from 'vitest';
import type { Seat } from '../../../src/domain/seat.js';
import { Rollback, type Store } from '../../../src/store/store.js';
import { makeServer, makeSession, T0 } from '../fixtures.js';
import type { StoreKind } from '../test-stores.js';

/** A reserved seat's row, due at T0 + ttl. */
function reserved(sessionId: string, playerId: string, deadlineAtMs = T0 + 30_000): Seat {
  return {
    sessionId,
    playerId,
    state: 'reserved',
    reservedAtMs: T0,
    takenAtMs: null,
    leftAtMs: null,
    deadlineAtMs,
  };
}

/**
 * Store contract, seats (migration 0012): claims count against max_players atomically, due
 * seats are freed and given back, reports move seats between taken and left.
 */
export function seatContract(store: () => Store, _kind: StoreKind): void {
  describe('seats', () => {
    async function activeSession(maxPlayers: number | null): Promise<string> {
      return store().transaction(async (tx) => {
        const srv = makeServer({ state: 'allocated' });
        await tx.insertServer(srv);
        const s = makeSession({ state: 'active', serverId: srv.id, activatedAtMs: T0 });
        await tx.insertSession(s);
        await tx.setSessionDetails(s.id, { maxPlayers, metadata: null });
        return s.id;
      });
    }

    /** One join's transaction: claim, then the row; a lost claim or a taken player id rolls back. */
    const join = (sessionId: string, playerId: string, deadlineAtMs?: number) =>
      store().transaction(async (tx) => {
        if (!(await tx.claimSeat(sessionId))) return new Rollback('full');
        if (!(await tx.insertSeat(reserved(sessionId, playerId, deadlineAtMs)))) return new Rollback('taken');
        return 'seated';
      });

    it('claimSeat() counts up to max_players, then refuses; seats_held is the row count', async () => {
      const id = await activeSession(2);
      expect(await join(id, 'a')).toBe('seated');
      expect(await join(id, 'b')).toBe('seated');
      expect(await join(id, 'c')).toBeInstanceOf(Rollback);
      expect((await store().listSeats(id)).map((s) => s.playerId)).toEqual(['a', 'b']);
    });

    it('claimSeat() refuses a session that is not active, and has no limit without max_players', async () => {
      const pending = makeSession();
      await store().insertSession(pending);
      expect(await store().claimSeat(pending.id)).toBe(false);
      const open = await activeSession(null);
      for (let i = 0; i < 20; i++) expect(await join(open, `p${i}`)).toBe('seated');
    });

    it('insertSeat() refuses a second row for the same player (the claim rolls back with it)', async () => {
      const id = await activeSession(3);
      expect(await join(id, 'same')).toBe('seated');
      expect(await join(id, 'same')).toBeInstanceOf(Rollback);
      // The refused join's count went with it: two more fit.
      expect(await join(id, 'x')).toBe('seated');
      expect(await join(id, 'y')).toBe('seated');
      expect(await join(id, 'z')).toBeInstanceOf(Rollback);
    });

    it('100 concurrent joins for 4 seats: exactly 4 win', async () => {
      const id = await activeSession(4);
      const got = await Promise.all(Array.from({ length: 100 }, (_, i) => join(id, `player-${i}`)));
      expect(got.filter((r) => r === 'seated')).toHaveLength(4);
      expect(await store().listSeats(id)).toHaveLength(4);
    });

    it('renewSeat() renews a held seat, keeps a taken one taken, and ignores one past its deadline', async () => {
      const id = await activeSession(4);
      await join(id, 'r', T0 + 100);
      await join(id, 't', T0 + 100);
      await join(id, 'late', T0 + 100);
      await store().markSeatsTaken(id, ['t'], T0 + 50);
      expect(await store().renewSeat(id, 'r', T0 + 90, T0 + 500)).toMatchObject({
        state: 'reserved',
        deadlineAtMs: T0 + 500,
      });
      expect(await store().renewSeat(id, 't', T0 + 90, T0 + 500)).toMatchObject({ state: 'taken', deadlineAtMs: null });
      expect(await store().renewSeat(id, 'late', T0 + 100, T0 + 500)).toBeNull();
      expect(await store().renewSeat(id, 'nobody', T0 + 90, T0 + 500)).toBeNull();
    });

    it('markSeatsTaken() and markSeatsLeft(): connected, dropped (held until the grace), back again', async () => {
      const id = await activeSession(4);
      await join(id, 'a');
      expect(await store().markSeatsTaken(id, ['a', 'stranger'], T0 + 10)).toMatchObject([
        { playerId: 'a', state: 'taken', takenAtMs: T0 + 10, deadlineAtMs: null },
      ]);
      expect(await store().markSeatsTaken(id, ['a'], T0 + 11)).toEqual([]); // already taken: no change
      expect(await store().markSeatsLeft(id, ['a'], T0 + 20, T0 + 80)).toMatchObject([
        { playerId: 'a', state: 'left', leftAtMs: T0 + 20, deadlineAtMs: T0 + 80 },
      ]);
      expect(await store().markSeatsLeft(id, ['a'], T0 + 21, T0 + 90)).toEqual([]); // only a taken seat leaves
      expect(await store().markSeatsTaken(id, ['a'], T0 + 30)).toMatchObject([{ state: 'taken', deadlineAtMs: null }]);
    });

    it('freeDueSeats() frees the seats due by now and gives their places back', async () => {
      const id = await activeSession(2);
      await join(id, 'early', T0 + 100);
      await join(id, 'later', T0 + 200);
      expect(await join(id, 'third')).toBeInstanceOf(Rollback);
      expect(await store().sessionsWithDueSeats(T0 + 99, 10)).toEqual([]);
      expect(await store().sessionsWithDueSeats(T0 + 100, 10)).toEqual([id]);
      const freed = await store().transaction((tx) => tx.freeDueSeats(id, T0 + 100));
      expect(freed.map((s) => s.playerId)).toEqual(['early']);
      expect(await join(id, 'third')).toBe('seated');
      expect((await store().listSeats(id)).map((s) => s.playerId).sort()).toEqual(['later', 'third']);
    });

    const reserve = (sessionId: string, playerId: string, nowMs = T0) =>
      store().reserveSeat({ sessionId, serverId: null, playerId, nowMs, deadlineAtMs: nowMs + 30_000 });

    it('reserveSeat(): a new seat, its count and its event at once; refused (nothing written) when full, taken or not active', async () => {
      const id = await activeSession(2);
      const published: string[] = [];
      const stop = store().onEvents((evs) => published.push(...evs.map((e) => `${e.kind}:${e.data.playerId}`)));
      const a = await reserve(id, 'a');
      expect(a).toMatchObject({ isPublic: false, events: [{ kind: 'seat.reserved', sessionId: id }] });
      expect(a!.events[0]!.data).toEqual({ playerId: 'a', again: false });
      expect(await reserve(id, 'a')).toBeNull(); // the player holds a row
      expect(await reserve(id, 'b')).not.toBeNull();
      expect(await reserve(id, 'c')).toBeNull(); // full
      stop();
      expect(published).toEqual(['seat.reserved:a', 'seat.reserved:b']);
      const listed = await store().listEvents(0, 100);
      expect(listed.filter((e) => e.kind === 'seat.reserved').map((e) => e.id)).toEqual([
        a!.events[0]!.id,
        expect.any(Number),
      ]);
      expect((await store().listSeats(id)).map((s) => [s.playerId, s.state, s.deadlineAtMs])).toEqual([
        ['a', 'reserved', T0 + 30_000],
        ['b', 'reserved', T0 + 30_000],
      ]);
      // The refused ones counted nothing: one seat freed, one more fits.
      await store().transaction((tx) => tx.freeDueSeats(id, T0 + 30_000));
      expect(await reserve(id, 'c', T0 + 30_001)).not.toBeNull();
      expect(await reserve(id, 'd', T0 + 30_001)).not.toBeNull();
      expect(await reserve(id, 'e', T0 + 30_001)).toBeNull();
      const pending = makeSession();
      await store().insertSession(pending);
      expect(await reserve(pending.id, 'x')).toBeNull();
    });

    it('reserveSeat(): 100 concurrent for 4 seats, mixed with claims: exactly 4 win', async () => {
      const id = await activeSession(4);
      const got = await Promise.all(
        Array.from({ length: 100 }, (_, i) => (i % 2 ? reserve(id, `r-${i}`) : join(id, `j-${i}`))),
      );
      expect(got.filter((r) => r === 'seated' || (r !== null && !(r instanceof Rollback)))).toHaveLength(4);
      expect(await store().listSeats(id)).toHaveLength(4);
      expect(await reserve(id, 'late')).toBeNull();
    });

    it('concurrent sweeps and joins on one session neither deadlock nor miscount', async () => {
      const id = await activeSession(4);
      for (let i = 0; i < 4; i++) await join(id, `old-${i}`, T0 + 10);
      const work = [
        ...Array.from({ length: 6 }, () => store().transaction((tx) => tx.freeDueSeats(id, T0 + 10))),
        ...Array.from({ length: 20 }, (_, i) =>
          store().transaction(async (tx) => {
            await tx.freeDueSeats(id, T0 + 10);
            if (!(await tx.claimSeat(id))) return new Rollback('full');
            return (await tx.insertSeat(reserved(id, `new-${i}`))) ? 'seated' : new Rollback('taken');
          }),
        ),
      ];
      const results = await Promise.all(work);
      const freed = results.slice(0, 6).flat() as Seat[];
      const seated = results.slice(6).filter((r) => r === 'seated');
      expect(seated).toHaveLength(4);
      const seats = await store().listSeats(id);
      expect(seats.map((s) => s.playerId).every((p) => p.startsWith('new-'))).toBe(true);
      expect(seats).toHaveLength(4);
      expect(freed.length).toBeLessThanOrEqual(4);
      expect(await store().claimSeat(id)).toBe(false);
    });
  });
}
