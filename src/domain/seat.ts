/**
 * A seat: one player's place in a session, reserved by a join and counted against the
 * session's max_players until it is freed (its row deleted).
 */
export const SeatState = {
  /** Handed out by a join (a seat token issued); freed unless the player connects by its deadline (SEAT_TTL_S). */
  Reserved: 'reserved',
  /** The game server reported the player connected; held without a deadline. */
  Taken: 'taken',
  /** The player's connection dropped; held for RECONNECT_GRACE_S, then freed. */
  Left: 'left',
} as const;
export type SeatState = (typeof SeatState)[keyof typeof SeatState];

export const SEAT_STATES: readonly SeatState[] = Object.values(SeatState);

/** Why a seat was freed (the `reason` of a seat.freed event). */
export const SeatFreeReason = {
  /** Reserved, and the player did not connect within SEAT_TTL_S. */
  NotTakenUp: 'not_taken_up',
  /** The player left and did not come back within RECONNECT_GRACE_S. */
  GraceOver: 'grace_over',
} as const;
export type SeatFreeReason = (typeof SeatFreeReason)[keyof typeof SeatFreeReason];

/** One row of the seats table. Times are epoch milliseconds. */
export interface Seat {
  sessionId: string;
  /** The game's player id (given by the client, or made by the join); unique within a session. */
  playerId: string;
  state: SeatState;
  reservedAtMs: number;
  takenAtMs: number | null;
  leftAtMs: number | null;
  /** When the seat is freed unless the player (re)connects; null while taken. */
  deadlineAtMs: number | null;
}

/** Whether a seat has outlived its deadline at nowMs (it may still have a row until a sweep frees it). */
export function seatExpired(seat: Pick<Seat, 'deadlineAtMs'>, nowMs: number): boolean {
  return seat.deadlineAtMs !== null && seat.deadlineAtMs <= nowMs;
}

/** The reason a seat in this state is freed at its deadline. */
export function freeReason(state: SeatState): SeatFreeReason {
  return state === SeatState.Left ? SeatFreeReason.GraceOver : SeatFreeReason.NotTakenUp;
}

/** Player ids: what a client may name itself (and what fits in a token and a log line). */
export const PLAYER_ID_PATTERN = '^[A-Za-z0-9._:@-]{1,64}$';
