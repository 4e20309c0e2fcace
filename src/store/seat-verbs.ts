import type { Seat } from '../domain/seat.js';
import type { SeatClaimed, SessionSeatCounts } from './seat-queries.js';

/**
 * The Store's seat statements (migration 0012), part of StoreVerbs. A session's occupancy is
 * its `seats_held` (the rows it has); every verb that changes it locks the session row first
 * (see seat-queries.ts), and the ones that change more than one row belong in a transaction.
 */
export interface SeatVerbs {
  /**
   * Counts one more seat on an active session, in one conditional update: false when the
   * session is full (`seats_held` reached `max_players`) or not active. Then insertSeat.
   */
  claimSeat(sessionId: string): Promise<SeatClaimed | false>;
  /** Writes a claimed seat's row; false when the player already has one (nothing written). */
  insertSeat(seat: Seat): Promise<boolean>;
  /**
   * A player joining again: their seat, if held and not past its deadline, is reserved anew
   * until deadlineMs (a taken seat stays taken, without a deadline). Null when they hold none.
   */
  renewSeat(sessionId: string, playerId: string, nowMs: number, deadlineMs: number): Promise<Seat | null>;
  /** Frees the session's seats whose deadline is at or before nowMs (their rows deleted, their count given back). */
  freeDueSeats(sessionId: string, nowMs: number): Promise<Seat[]>;
  /** Up to `limit` sessions that have a seat due to be freed at nowMs (the sweep's worklist). */
  sessionsWithDueSeats(nowMs: number, limit: number): Promise<string[]>;
  /** The game server saw these players connect: their seats (reserved or left) are taken. */
  markSeatsTaken(sessionId: string, playerIds: readonly string[], nowMs: number): Promise<Seat[]>;
  /** These players' connections dropped: their taken seats are held until deadlineMs. */
  markSeatsLeft(sessionId: string, playerIds: readonly string[], nowMs: number, deadlineMs: number): Promise<Seat[]>;
  /** A session's seats, oldest reservation first. */
  listSeats(sessionId: string): Promise<Seat[]>;
  /** Every live session's seats by state and its max_players, by session id (the dashboard's). */
  liveSeatCounts(): Promise<Map<string, SessionSeatCounts>>;
}
