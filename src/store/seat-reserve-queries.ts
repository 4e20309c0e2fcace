import { sql, type Kysely } from 'kysely';
import { EventKind, type EventData, type FleetEvent, type NewEvent } from '../domain/events.js';
import { SeatState, type Seat } from '../domain/seat.js';
import { SessionState } from '../domain/session.js';
import type { Database } from './db-schema.js';
import { eventIdInTx } from './event-queries.js';
import { HotStatement } from './hot-statement.js';
import { renewSeat } from './seat-queries.js';

/*
 * A join's seat with the fewest statements each dialect allows (issue 24). It was the claim
 * (UPDATE of the session's seats_held), the seat's INSERT and its event's INSERT, in a
 * transaction: BEGIN … COMMIT around them on PostgreSQL (5 round trips), a per-job savepoint
 * around them in SQLite's group commit (5 statement runs).
 *
 * PostgreSQL: ONE statement, outside any transaction (autocommit: it is its own), as the warm
 * start (warm-start-queries.ts):
 *
 *   WITH claimed AS (UPDATE sessions SET seats_held = seats_held + 1 WHERE … room … RETURNING …),
 *        seated  AS (INSERT INTO seats SELECT … FROM claimed RETURNING …),
 *        logged  AS (INSERT INTO events SELECT … FROM seated RETURNING id)
 *   SELECT … FROM claimed CROSS JOIN logged
 *
 * The claim is claimSeat's conditional UPDATE, so the session row is locked and the condition
 * re-checked against a concurrent claim's commit: exactly max_players claims win. The seat's
 * INSERT has no ON CONFLICT: a player who already has a row fails the whole statement (unique
 * violation), the claim undone with it; the caller then takes the transaction (a renewal).
 *
 * SQLite runs one transaction at a time, so the room can be checked by the seat's INSERT
 * itself (INSERT … SELECT FROM sessions WHERE … room …), before anything is written; the count
 * and the event follow, and they cannot refuse. The group commit's job then needs no savepoint
 * (RunOptions.refusesBeforeWriting): 3 statements.
 */

type Db = Kysely<Database>;
const lit = <T extends string | number>(value: T) => sql.lit(value);

/** A seat to reserve for a join that finds none of the player's: reserved until deadlineAtMs. */
export interface SeatReservation {
  sessionId: string;
  /** The session's server (the event names it). */
  serverId: string | null;
  playerId: string;
  nowMs: number;
  deadlineAtMs: number;
  /**
   * A seat the player holds (not due) is renewed instead, as a join's transaction renews it (a
   * reconnect): 'first', then a new seat where there is room; 'only', nothing else (the session
   * is full). Absent: a new seat only.
   */
  renew?: 'first' | 'only';
}

/**
 * A seat reserved: whether its session is public (a listing changed), and its seat.reserved
 * event; `held`: the player's own seat, renewed (no seat counted).
 */
export interface SeatReserved {
  isPublic: boolean;
  events: FleetEvent[];
  held?: Seat;
}

type ReserveParams = [
  sessionId: string,
  playerId: string,
  now: number,
  deadline: number,
  serverId: string | null,
  data: string,
];

/** The seat.reserved event of a new seat (or, `again`, of a renewed one), as the transaction's path records it. */
export function seatReservedEvent(r: SeatReservation, again = false): NewEvent {
  const data: EventData = { playerId: r.playerId, again };
  return { atMs: r.nowMs, kind: EventKind.SeatReserved, serverId: r.serverId, sessionId: r.sessionId, data };
}

const RESERVE_SEAT_PG = new HotStatement<ReserveParams, { is_public: number; event_id: number | string }>(
  'reserveSeat(postgres)',
  (db, p) =>
    db
      .with('claimed', (q) =>
        q
          .updateTable('sessions')
          .set((eb) => ({ seats_held: eb('seats_held', '+', lit(1)) }))
          .where('id', '=', p(0))
          .where('state', '=', lit(SessionState.Active))
          .where((eb) => eb.or([eb('max_players', 'is', null), eb('seats_held', '<', eb.ref('max_players'))]))
          .returning(['id', 'is_public']),
      )
      .with('seated', (q) =>
        q
          .insertInto('seats')
          .columns(['session_id', 'player_id', 'state', 'reserved_at', 'deadline_at'])
          .expression((eb) =>
            eb
              .selectFrom('claimed')
              .select((e) => [
                'claimed.id as session_id',
                e.cast<string>(e.val(p(1)), 'text').as('player_id'),
                lit(SeatState.Reserved).as('state'),
                e.cast<number>(e.val(p(2)), 'bigint').as('reserved_at'),
                e.cast<number>(e.val(p(3)), 'bigint').as('deadline_at'),
              ]),
          )
          .returning('session_id'),
      )
      .with('logged', (q) =>
        q
          .insertInto('events')
          .columns(['id', 'at_ms', 'kind', 'server_id', 'session_id', 'data'])
          .expression((eb) =>
            eb
              .selectFrom('seated')
              .select((e) => [
                eventIdInTx(0).as('id'),
                e.cast<number>(e.val(p(2)), 'bigint').as('at_ms'),
                lit(EventKind.SeatReserved).as('kind'),
                e.cast<string | null>(e.val(p(4)), 'text').as('server_id'),
                'seated.session_id as session_id',
                e.cast<string>(e.val(p(5)), 'text').as('data'),
              ]),
          )
          .returning('id'),
      )
      .selectFrom('claimed')
      .crossJoin('logged')
      .select(['claimed.is_public', 'logged.id as event_id']),
);

const params = (r: SeatReservation, data: string): ReserveParams => [
  r.sessionId,
  r.playerId,
  r.nowMs,
  r.deadlineAtMs,
  r.serverId,
  data,
];

/**
 * PostgreSQL: the seat, its count and its event in one statement (see above). Null when the
 * session has no room or is not active, 'held' when the player already holds a row: nothing written.
 */
export async function reserveSeatInOneStatement(db: Db, r: SeatReservation): Promise<SeatReserved | 'held' | null> {
  const event = seatReservedEvent(r);
  let rows: { is_public: number; event_id: number | string }[];
  try {
    rows = await RESERVE_SEAT_PG.rows(db, 'postgres', params(r, JSON.stringify(event.data)));
  } catch (err) {
    // The player holds a row: the caller's transaction renews it, or frees it when due.
    const e = err as { code?: string; table?: string } | null;
    if (e?.code === '23505' && e.table === 'seats') return 'held';
    throw err;
  }
  const row = rows[0];
  if (!row) return null;
  return { isPublic: Number(row.is_public) === 1, events: [{ ...event, id: Number(row.event_id) }] };
}

/** SQLite: the seat's row, written only when the session is active with room and the player holds none. */
const INSERT_SEAT_IF_ROOM = new HotStatement<
  [sessionId: string, playerId: string, now: number, deadline: number],
  { player_id: string }
>('insertSeatIfRoom', (db, p) =>
  db
    .insertInto('seats')
    .columns(['session_id', 'player_id', 'state', 'reserved_at', 'deadline_at'])
    .expression((eb) =>
      eb
        .selectFrom('sessions')
        .select((e) => [
          'id as session_id',
          e.val(p(1)).as('player_id'),
          lit(SeatState.Reserved).as('state'),
          e.val(p(2)).as('reserved_at'),
          e.val(p(3)).as('deadline_at'),
        ])
        .where('id', '=', p(0))
        .where('state', '=', lit(SessionState.Active))
        .where((e) => e.or([e('max_players', 'is', null), e('seats_held', '<', e.ref('max_players'))])),
    )
    .onConflict((oc) => oc.doNothing())
    .returning('player_id'),
);

/** SQLite: the session counts the seat just written. */
const COUNT_SEAT = new HotStatement<[sessionId: string], { is_public: number }>('countSeat', (db, p) =>
  db
    .updateTable('sessions')
    .set((eb) => ({ seats_held: eb('seats_held', '+', lit(1)) }))
    .where('id', '=', p(0))
    .returning('is_public'),
);

/**
 * SQLite, inside one transaction (a group commit job that refuses before writing): with
 * `renew`, the player's held seat renewed (one UPDATE; `held`); else the seat's row if there is
 * room, then its count. Null: no room, not active, or the player holds a row (a due one, or
 * none to renew); nothing written. The caller records the event.
 */
export async function reserveSeatRows(db: Db, r: SeatReservation): Promise<{ isPublic: boolean; held?: Seat } | null> {
  if (r.renew) {
    const held = await renewSeat(db, 'sqlite', r.sessionId, r.playerId, r.nowMs, r.deadlineAtMs);
    if (held) return { isPublic: false, held };
    if (r.renew === 'only') return null;
  }
  const written = await INSERT_SEAT_IF_ROOM.rows(db, 'sqlite', [r.sessionId, r.playerId, r.nowMs, r.deadlineAtMs]);
  if (written.length === 0) return null;
  const [row] = await COUNT_SEAT.rows(db, 'sqlite', [r.sessionId]);
  return { isPublic: Number(row?.is_public) === 1 };
}
