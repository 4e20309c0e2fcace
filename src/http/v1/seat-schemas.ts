import { Type } from '@sinclair/typebox';
import { PLAYER_ID_PATTERN, type Seat } from '../../domain/seat.js';
import type { SeatGrant } from '../../sessions/seats.js';
import { SessionView } from './schemas.js';

const Time = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const PlayerId = Type.String({
  pattern: PLAYER_ID_PATTERN,
  description: 'A player id: 1-64 of A-Z a-z 0-9 . _ : @ -',
  examples: ['player-7'],
});

/** What a join may say: who the player is, or the seat token they were given before. */
export const JoinBody = Type.Object(
  {
    player_id: Type.Optional({
      ...PlayerId,
      description:
        'The player joining. Joining again with the id of a seat still held (a reconnect) gets that seat back, even in a full session. Omitted: one is made.',
    }),
    seat_token: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 1024,
        description: 'A seat token this player was given before (even expired): reconnects to that seat',
      }),
    ),
  },
  { additionalProperties: false, description: 'Optional: no body is an empty object', examples: [{ player_id: 'p7' }] },
);

const SeatGrantView = Type.Object(
  {
    player_id: PlayerId,
    token: Type.String({
      description:
        'Show it to the game server when connecting. Signed with a key derived from that server’s credential (see docs/engines.md); it names the session, the player and its expiry.',
    }),
    expires_at: Type.String({
      format: 'date-time',
      description: 'Connect before this (SEAT_TTL_S), or the seat is freed',
    }),
    again: Type.Boolean({ description: 'The player already held this seat (a reconnect or a repeated join)' }),
  },
  { title: 'SeatGrant' },
);

export const JoinView = Type.Composite([SessionView, Type.Object({ seat: SeatGrantView })], {
  title: 'Joined',
  description: 'The session (where to connect) and the seat reserved in it',
});

export function grantView(g: SeatGrant) {
  return { player_id: g.playerId, token: g.token, expires_at: new Date(g.expiresAtMs).toISOString(), again: g.again };
}

export const SeatView = Type.Object(
  {
    player_id: PlayerId,
    state: Type.Union([Type.Literal('reserved'), Type.Literal('taken'), Type.Literal('left')]),
    reserved_at: Time,
    taken_at: Time,
    left_at: Time,
    frees_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
      description: 'When the seat is freed unless its player (re)connects; null while taken',
    }),
  },
  { title: 'Seat' },
);

export function seatView(s: Seat) {
  return {
    player_id: s.playerId,
    state: s.state,
    reserved_at: iso(s.reservedAtMs),
    taken_at: iso(s.takenAtMs),
    left_at: iso(s.leftAtMs),
    frees_at: iso(s.deadlineAtMs),
  };
}

export const PlayersReport = Type.Object(
  {
    connected: Type.Optional(Type.Array(PlayerId, { maxItems: 1000, description: 'Players who connected' })),
    left: Type.Optional(
      Type.Array(PlayerId, {
        maxItems: 1000,
        description: 'Players whose connection dropped (seat held for the grace)',
      }),
    ),
  },
  { additionalProperties: false, examples: [{ connected: ['p7'], left: ['p3'] }] },
);

export const PlayersReportAnswer = Type.Object(
  {
    taken: Type.Array(Type.String(), { description: 'Seats now taken' }),
    left: Type.Array(Type.String(), { description: 'Seats now held for their player to come back' }),
    unknown: Type.Array(Type.String(), { description: 'Players with no seat in this server’s live session' }),
  },
  { examples: [{ taken: ['p7'], left: ['p3'], unknown: [] }] },
);
