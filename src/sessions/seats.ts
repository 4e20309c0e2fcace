import { newPlayerId } from '../domain/player-id.js';
import { OrchestratorError, Refusal } from '../domain/errors.js';
import { EventKind } from '../domain/events.js';
import { freeReason, SeatState, type Seat } from '../domain/seat.js';
import { signSeatToken, verifySeatToken } from '../domain/seat-token.js';
import type { Server } from '../domain/server.js';
import { SessionState } from '../domain/session.js';
import { Rollback, rollBack, type Tx } from '../store/store.js';
import type { FindSession, SessionSnapshot } from './find-session.js';
import type { SessionDeps } from './session-deps.js';

/** SEAT_TTL_S, RECONNECT_GRACE_S and how the seat tokens of a server are keyed. */
export interface SeatOptions {
  /** A reserved seat not taken up (the player connected) within this long is freed. */
  ttlS: number;
  /** A taken seat whose player dropped is held this long for them to come back. */
  reconnectGraceS: number;
  /** The key a server signs its own requests with (seat tokens derive from it); null: none. */
  serverKey: (server: Server) => string | null;
}

/** What a join asks for: a player id of the client's own, or the token of a seat held before. */
export interface JoinRequest {
  playerId?: string;
  seatToken?: string;
}

/** A seat handed out: the player id, the token to show the game server, and until when it is good. */
export interface SeatGrant {
  playerId: string;
  token: string;
  expiresAtMs: number;
  /** True when the player already held this seat (a reconnect, or a repeated join). */
  again: boolean;
}

/** `publicSeat`: a seat was counted on a public session (what a lobby listing shows changed). */
type Claim = { seat: Seat; again: boolean; publicSeat?: boolean } | 'full' | Rollback<'taken'>;

/** How many sessions one sweep frees seats in, one transaction each. */
const SWEEP_BATCH = 100;

/**
 * Seats (issue 24): a join reserves one against max_players and hands a seat token; the game
 * server reports players connected and left; seats not taken up within the TTL, or left and not
 * taken back within the grace, are freed, by the sweep (each reconcile pass) or by a join that
 * finds the session full. Every change writes its event in its own transaction.
 */
export class Seats {
  constructor(
    private readonly deps: Pick<SessionDeps, 'store' | 'clock' | 'log'>,
    private readonly find: FindSession,
    private readonly o: SeatOptions,
    /** Called once a join counted a seat on a public session (the lobby listings' answers are stale). */
    private readonly publicSeatsChanged: () => void = () => {},
  ) {}

  /**
   * A player joins by code and gets a seat. A player who holds one (their id, or their token)
   * gets it again even when the session is otherwise full. Refused: not ready, ended, full.
   */
  async join(code: string, r: JoinRequest = {}): Promise<{ snap: SessionSnapshot; seat: SeatGrant }> {
    const snap = await this.find.byCode(code);
    const { session, server } = snap;
    if (session.state === SessionState.Pending)
      throw new Refusal('conflict', 'session_not_ready', 'The session is still waiting for its server; retry shortly');
    const key = server ? this.o.serverKey(server) : null;
    if (session.state !== SessionState.Active || !server?.ip || key === null)
      throw new OrchestratorError('not_found', 'No session has this code');
    const playerId = r.seatToken !== undefined ? this.tokenPlayer(key, session.code, r.seatToken) : r.playerId;
    const full = session.maxPlayers !== null && server.players >= session.maxPlayers;
    // Most joins: a new seat in the session's room, in one statement (PostgreSQL) or a job
    // without a savepoint (SQLite); a player who named themself and holds a seat (a reconnect)
    // has it renewed the same way, first. The server's own count says full: only a held seat
    // is given. Otherwise (the player's seat is due, or seats are due) the transaction decides.
    let claim: Claim | null =
      full && playerId === undefined ? 'full' : await this.reserveNew(session.id, server.id, playerId, full);
    if (claim === null && full) claim = 'full';
    claim ??= await this.claim(session.id, server.id, playerId, full, false);
    // The player id was taken meanwhile (the same player joining twice at once), or a seat of
    // theirs was due but not yet freed: once more, freeing due seats first.
    if (claim instanceof Rollback) claim = await this.claim(session.id, server.id, playerId, full, true);
    if (claim instanceof Rollback)
      throw new OrchestratorError('conflict', 'This player is joining from elsewhere at the same time; retry');
    if (claim === 'full') {
      const cap = session.maxPlayers ?? 0;
      throw new Refusal('conflict', 'session_full', `The session is full (${cap} of ${cap} seats)`);
    }
    const { seat, again } = claim;
    if (claim.publicSeat) this.publicSeatsChanged();
    const expiresAtMs = seat.deadlineAtMs ?? this.deps.clock.now() + this.o.ttlS * 1000;
    const expiresAtS = Math.floor(expiresAtMs / 1000);
    const token = signSeatToken(key, { session: session.code, player: seat.playerId, expiresAtS });
    return { snap, seat: { playerId: seat.playerId, token, expiresAtMs: expiresAtS * 1000, again } };
  }

  /** The player a presented token names: it must be this server's, for this session (expired is fine). */
  private tokenPlayer(key: string, code: string, token: string): string {
    const nowS = this.deps.clock.now() / 1000;
    const check = verifySeatToken(key, token, { nowS, session: code, ignoreExpiry: true });
    if (!check.ok) throw new OrchestratorError('invalid_input', 'seat_token is not a seat token of this session');
    return check.claims.player;
  }

  /**
   * The player's held seat renewed (when the client named them), else a new seat where there is
   * room unless `fullNow` (Store.reserveSeat); null when neither happened (nothing written).
   */
  private async reserveNew(
    sessionId: string,
    serverId: string,
    given: string | undefined,
    fullNow: boolean,
  ): Promise<Claim | null> {
    const nowMs = this.deps.clock.now();
    const deadlineAtMs = nowMs + this.o.ttlS * 1000;
    const seat: Seat = {
      sessionId,
      playerId: given ?? newPlayerId(),
      state: SeatState.Reserved,
      reservedAtMs: nowMs,
      takenAtMs: null,
      leftAtMs: null,
      deadlineAtMs,
    };
    const done = await this.deps.store.reserveSeat({
      sessionId,
      serverId,
      playerId: seat.playerId,
      nowMs,
      deadlineAtMs,
      renew: given === undefined ? undefined : fullNow ? 'only' : 'first',
    });
    if (done?.held) return { seat: done.held, again: true };
    return done ? { seat, again: false, publicSeat: done.isPublic } : null;
  }

  private async claim(
    sessionId: string,
    serverId: string,
    given: string | undefined,
    reportedFull: boolean,
    sweepFirst: boolean,
  ): Promise<Claim> {
    const { clock, store } = this.deps;
    return store.transaction(async (tx): Promise<Claim> => {
      const now = clock.now();
      const deadline = now + this.o.ttlS * 1000;
      if (given !== undefined) {
        const held = await tx.renewSeat(sessionId, given, now, deadline);
        if (held) {
          this.record(tx, EventKind.SeatReserved, held, serverId, now, { again: true });
          return { seat: held, again: true };
        }
      }
      // The server's own count (players without seats, the original's joins) also fills a session.
      if (reportedFull) return 'full';
      if (sweepFirst) await this.freeDue(tx, sessionId, serverId, now);
      let claimed = await tx.claimSeat(sessionId);
      if (!claimed && !sweepFirst && (await this.freeDue(tx, sessionId, serverId, now)) > 0)
        claimed = await tx.claimSeat(sessionId);
      // Full: what was freed on the way stays freed (a value, not a Rollback).
      if (!claimed) return 'full';
      const seat: Seat = {
        sessionId,
        playerId: given ?? newPlayerId(),
        state: SeatState.Reserved,
        reservedAtMs: now,
        takenAtMs: null,
        leftAtMs: null,
        deadlineAtMs: deadline,
      };
      if (!(await tx.insertSeat(seat))) return rollBack('taken');
      this.record(tx, EventKind.SeatReserved, seat, serverId, now, { again: false });
      return { seat, again: false, publicSeat: claimed.isPublic };
    });
  }

  /** Frees the session's due seats in tx, each with its seat.freed event; how many. */
  private async freeDue(tx: Tx, sessionId: string, serverId: string | null, now: number): Promise<number> {
    const freed = await tx.freeDueSeats(sessionId, now);
    for (const s of freed) this.record(tx, EventKind.SeatFreed, s, serverId, now, { reason: freeReason(s.state) });
    return freed.length;
  }

  /**
   * Frees every seat due by now (a reserved seat never taken up, a left seat whose grace is
   * over), a batch of sessions at a time; returns how many seats.
   */
  async sweep(): Promise<number> {
    const { store, clock } = this.deps;
    let total = 0;
    for (;;) {
      const ids = await store.sessionsWithDueSeats(clock.now(), SWEEP_BATCH);
      for (const id of ids) {
        total += await store.transaction(async (tx) => {
          const session = await tx.getSession(id);
          return this.freeDue(tx, id, session?.serverId ?? null, clock.now());
        });
      }
      if (ids.length < SWEEP_BATCH) return total;
    }
  }

  /**
   * The game server reports players connected (their seats taken) and left (held for the
   * grace). Players it names that hold no seat in its live session are returned as unknown.
   */
  report(
    serverId: string,
    r: { connected: readonly string[]; left: readonly string[] },
  ): Promise<{ taken: string[]; left: string[]; unknown: string[] }> {
    return this.reportWith(serverId, () => r);
  }

  /**
   * The game server's heartbeat named every player connected now: their seats are taken, and
   * the taken seats of players it no longer names are left (held for the grace), as report()
   * does with the same lists, events included. Reserved seats not named stay reserved.
   */
  reportPresent(
    serverId: string,
    present: readonly string[],
  ): Promise<{ taken: string[]; left: string[]; unknown: string[] }> {
    const named = new Set(present);
    return this.reportWith(serverId, (seats) => ({
      connected: present,
      left: seats.filter((s) => s.state === SeatState.Taken && !named.has(s.playerId)).map((s) => s.playerId),
    }));
  }

  /** A report of players connected and left, made from the live session's seats as they are. */
  private async reportWith(
    serverId: string,
    lists: (seats: readonly Seat[]) => { connected: readonly string[]; left: readonly string[] },
  ): Promise<{ taken: string[]; left: string[]; unknown: string[] }> {
    const { store, clock } = this.deps;
    return store.transaction(async (tx) => {
      const now = clock.now();
      const session = await tx.findLiveSessionByServer(serverId);
      const seats = session ? await tx.listSeats(session.id) : [];
      const r = lists(seats);
      if (!session) return { taken: [], left: [], unknown: [...r.connected, ...r.left] };
      const taken = await tx.markSeatsTaken(session.id, r.connected, now);
      const left = await tx.markSeatsLeft(session.id, r.left, now, now + this.o.reconnectGraceS * 1000);
      for (const s of taken) this.record(tx, EventKind.SeatTaken, s, serverId, now, {});
      for (const s of left) this.record(tx, EventKind.SeatLeft, s, serverId, now, {});
      const held = new Set(seats.map((s) => s.playerId));
      const unknown = [...r.connected, ...r.left].filter((p) => !held.has(p));
      return { taken: taken.map((s) => s.playerId), left: left.map((s) => s.playerId), unknown };
    });
  }

  /** A session's seats, by code (the live session, else the latest ended one). */
  async list(code: string): Promise<{ snap: SessionSnapshot; seats: Seat[] }> {
    const snap = await this.find.byCode(code);
    return { snap, seats: await this.deps.store.listSeats(snap.session.id) };
  }

  private record(
    tx: Tx,
    kind: EventKind,
    seat: Seat,
    serverId: string | null,
    now: number,
    more: Record<string, string | boolean>,
  ): void {
    tx.recordEvent({
      atMs: now,
      kind,
      serverId,
      sessionId: seat.sessionId,
      data: { playerId: seat.playerId, ...more },
    });
  }
}
