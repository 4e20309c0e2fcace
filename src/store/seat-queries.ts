import { sql, type Kysely } from 'kysely';
import { SeatState, type Seat } from '../domain/seat.js';
import { SessionState } from '../domain/session.js';
import type { Database, DialectKind, SeatRow } from './db-schema.js';
import { HotStatement } from './hot-statement.js';

/*
 * Seats (migration 0012). Occupancy is the session row's `seats_held`, changed only with the
 * session row locked: a claim is one conditional UPDATE of it (PostgreSQL re-checks the
 * condition against the row a concurrent claim committed, so exactly max_players claims win),
 * and a sweep locks the row before it deletes seats and gives their count back. Everything that
 * locks both takes the session row first, so two joins, a join and a sweep, or two sweeps never
 * wait on each other in a circle. Reports (taken, left) and renewals change seat rows only.
 */

type Db = Kysely<Database>;
const lit = <T extends string | number>(value: T) => sql.lit(value);

function toSeat(r: SeatRow): Seat {
  return {
    sessionId: r.session_id,
    playerId: r.player_id,
    state: r.state,
    reservedAtMs: Number(r.reserved_at),
    takenAtMs: r.taken_at === null ? null : Number(r.taken_at),
    leftAtMs: r.left_at === null ? null : Number(r.left_at),
    deadlineAtMs: r.deadline_at === null ? null : Number(r.deadline_at),
  };
}

/** A seat counted on a session: whether the session is public (a lobby listing shows its seats). */
export interface SeatClaimed {
  isPublic: boolean;
}

export async function claimSeat(db: Db, kind: DialectKind, sessionId: string): Promise<SeatClaimed | false> {
  const [row] = await CLAIM_SEAT.rows(db, kind, [sessionId]);
  return row ? { isPublic: Number(row.is_public) === 1 } : false;
}
// Every join runs it: compiled once (see HotStatement).
const CLAIM_SEAT = new HotStatement<[sessionId: string], { seats_held: number; is_public: number }>(
  'claimSeat',
  (db, p) =>
    db
      .updateTable('sessions')
      .set((eb) => ({ seats_held: eb('seats_held', '+', lit(1)) }))
      .where('id', '=', p(0))
      .where('state', '=', lit(SessionState.Active))
      .where((eb) => eb.or([eb('max_players', 'is', null), eb('seats_held', '<', eb.ref('max_players'))]))
      .returning(['seats_held', 'is_public']),
);

export async function insertSeat(db: Db, kind: DialectKind, seat: Seat): Promise<boolean> {
  const params = [
    seat.sessionId,
    seat.playerId,
    seat.state,
    seat.reservedAtMs,
    seat.takenAtMs,
    seat.leftAtMs,
    seat.deadlineAtMs,
  ] as const;
  return (await INSERT_SEAT.rows(db, kind, params)).length > 0;
}
const INSERT_SEAT = new HotStatement<
  readonly [string, string, SeatState, number, number | null, number | null, number | null],
  { player_id: string }
>('insertSeat', (db, p) =>
  db
    .insertInto('seats')
    .values({
      session_id: p(0),
      player_id: p(1),
      state: p(2),
      reserved_at: p(3),
      taken_at: p(4),
      left_at: p(5),
      deadline_at: p(6),
    })
    .onConflict((oc) => oc.doNothing())
    .returning('player_id'),
);

export async function renewSeat(
  db: Db,
  kind: DialectKind,
  sessionId: string,
  playerId: string,
  nowMs: number,
  deadlineMs: number,
): Promise<Seat | null> {
  const rows = await RENEW_SEAT.rows(db, kind, [deadlineMs, sessionId, playerId, nowMs]);
  return rows[0] ? toSeat(rows[0]) : null;
}
const RENEW_SEAT = new HotStatement<[deadline: number, sessionId: string, playerId: string, now: number], SeatRow>(
  'renewSeat',
  (db, p) =>
    db
      .updateTable('seats')
      .set((eb) => ({
        state: eb
          .case()
          .when('state', '=', lit(SeatState.Taken))
          .then(lit(SeatState.Taken))
          .else(lit(SeatState.Reserved))
          .end(),
        // A taken seat has no deadline (null): it keeps its own.
        deadline_at: eb
          .case()
          .when('state', '=', lit(SeatState.Taken))
          .then(eb.ref('deadline_at'))
          .else(eb.cast<number>(eb.val(p(0)), 'bigint'))
          .end(),
      }))
      .where('session_id', '=', p(1))
      .where('player_id', '=', p(2))
      .where((eb) => eb.or([eb('deadline_at', 'is', null), eb('deadline_at', '>', p(3))]))
      .returningAll(),
);

/** Locks the session row (PostgreSQL) before its seats are deleted and counted back. */
async function lockSession(db: Db, kind: DialectKind, sessionId: string): Promise<void> {
  await db
    .selectFrom('sessions')
    .select('id')
    .where('id', '=', sessionId)
    .$if(kind === 'postgres', (q) => q.forUpdate())
    .execute();
}

export async function freeDueSeats(db: Db, kind: DialectKind, sessionId: string, nowMs: number): Promise<Seat[]> {
  await lockSession(db, kind, sessionId);
  const freed = await db
    .deleteFrom('seats')
    .where('session_id', '=', sessionId)
    .where('deadline_at', '<=', nowMs)
    .returningAll()
    .execute();
  if (freed.length > 0) {
    await db
      .updateTable('sessions')
      .set((eb) => ({ seats_held: eb('seats_held', '-', freed.length) }))
      .where('id', '=', sessionId)
      .execute();
  }
  return freed.map(toSeat);
}

export async function sessionsWithDueSeats(db: Db, nowMs: number, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('seats')
    .select('session_id')
    .distinct()
    .where('deadline_at', '<=', nowMs)
    .limit(limit)
    .execute();
  return rows.map((r) => r.session_id);
}

export async function markSeatsTaken(
  db: Db,
  sessionId: string,
  playerIds: readonly string[],
  nowMs: number,
): Promise<Seat[]> {
  if (playerIds.length === 0) return [];
  const rows = await db
    .updateTable('seats')
    .set({ state: SeatState.Taken, taken_at: nowMs, deadline_at: null })
    .where('session_id', '=', sessionId)
    .where('player_id', 'in', playerIds)
    .where('state', '<>', SeatState.Taken)
    .returningAll()
    .execute();
  return rows.map(toSeat);
}

export async function markSeatsLeft(
  db: Db,
  sessionId: string,
  playerIds: readonly string[],
  nowMs: number,
  deadlineMs: number,
): Promise<Seat[]> {
  if (playerIds.length === 0) return [];
  const rows = await db
    .updateTable('seats')
    .set({ state: SeatState.Left, left_at: nowMs, deadline_at: deadlineMs })
    .where('session_id', '=', sessionId)
    .where('player_id', 'in', playerIds)
    .where('state', '=', SeatState.Taken)
    .returningAll()
    .execute();
  return rows.map(toSeat);
}

export async function listSeats(db: Db, sessionId: string): Promise<Seat[]> {
  const rows = await db
    .selectFrom('seats')
    .selectAll()
    .where('session_id', '=', sessionId)
    .orderBy('reserved_at')
    .orderBy('player_id')
    .execute();
  return rows.map(toSeat);
}

/** Seats of one live session by state, and its max_players (the operator dashboard's column). */
export interface SessionSeatCounts {
  maxPlayers: number | null;
  reserved: number;
  taken: number;
  left: number;
}

/** Every live (pending or active) session's seats by state, in one grouped read. */
export async function liveSeatCounts(db: Db): Promise<Map<string, SessionSeatCounts>> {
  const rows = await db
    .selectFrom('sessions')
    .leftJoin('seats', 'seats.session_id', 'sessions.id')
    .select((eb) => {
      const count = (state: SeatState) =>
        eb.fn.sum<number | string>(eb.case().when('seats.state', '=', lit(state)).then(1).else(0).end());
      return [
        'sessions.id as id',
        'sessions.max_players as max_players',
        count(SeatState.Reserved).as('reserved'),
        count(SeatState.Taken).as('taken'),
        count(SeatState.Left).as('left'),
      ];
    })
    .where('sessions.state', 'in', [SessionState.Pending, SessionState.Active])
    .groupBy(['sessions.id', 'sessions.max_players'])
    .execute();
  return new Map(
    rows.map((r) => [
      r.id,
      {
        maxPlayers: r.max_players === null ? null : Number(r.max_players),
        reserved: Number(r.reserved ?? 0),
        taken: Number(r.taken ?? 0),
        left: Number(r.left ?? 0),
      },
    ]),
  );
}
