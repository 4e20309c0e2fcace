import { Type } from '@sinclair/typebox';
import { ATTRIBUTE_NAME_PATTERN, ATTRIBUTE_VALUE_MAX, MAX_ATTRIBUTES, MODE_PATTERN } from '../../domain/lobby.js';
import { OrchestratorError } from '../../domain/errors.js';
import type { Lobby } from '../../domain/lobby.js';
import type { ListedLobby, QuickSeat } from '../../sessions/lobbies.js';
import { PlacementQueryFields, PlacementStartFields } from './placement-schemas.js';
import { PlayerId } from './seat-schemas.js';
import { SessionView } from './schemas.js';

export const Mode = Type.String({
  pattern: MODE_PATTERN,
  description: 'A game mode: 1-32 of A-Z a-z 0-9 . _ -',
  examples: ['duel'],
});

// propertyNames, not a keyed pattern: the validator removes properties that match no pattern
// (removeAdditional) where a bad name must be refused.
export const Attributes = Type.Record(Type.String(), Type.String({ maxLength: ATTRIBUTE_VALUE_MAX }), {
  propertyNames: { pattern: ATTRIBUTE_NAME_PATTERN },
  maxProperties: MAX_ATTRIBUTES,
  description: `Up to ${MAX_ATTRIBUTES} string attributes a lobby listing filters by (names: a-z 0-9 _, from a letter, ≤ 32; values ≤ ${ATTRIBUTE_VALUE_MAX} characters)`,
  examples: [{ map: 'harbour', ranked: 'yes' }],
});

/** The lobby fields a /v1 start may add (POST /v1/sessions). */
export const LobbyStartFields = {
  public: Type.Optional(
    Type.Boolean({ description: 'Listed in GET /v1/lobbies and given by quick join (default false: by code only)' }),
  ),
  mode: Type.Optional({ ...Mode, description: 'The mode a public session is listed under (required when public)' }),
  attributes: Type.Optional(Attributes),
};

/**
 * A start's lobby: public needs a mode and a max_players (quick join fills to it); a mode or
 * attributes without public are refused rather than dropped. Throws invalid_input (nothing written yet).
 */
export function startLobby(b: {
  public?: boolean;
  mode?: string;
  attributes?: Record<string, string>;
  max_players?: number;
}): Lobby | undefined {
  if (!b.public) {
    if (b.mode !== undefined || b.attributes !== undefined)
      throw new OrchestratorError('invalid_input', 'mode and attributes are for public sessions: add "public": true');
    return undefined;
  }
  if (b.mode === undefined) throw new OrchestratorError('invalid_input', 'a public session needs a mode');
  if (b.max_players === undefined) throw new OrchestratorError('invalid_input', 'a public session needs max_players');
  return { mode: b.mode, attributes: b.attributes ?? {} };
}

/** `attr.<name>=<value>` in a lobby listing's query string: only sessions whose attribute equals it. */
export const ATTR_PREFIX = 'attr.';

export const LobbyQueryString = Type.Object(
  {
    mode: Type.Optional(Mode),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 200, description: 'next_cursor of the previous page' })),
    ...PlacementQueryFields,
  },
  {
    // Any other parameter (a misspelt filter) is refused, not dropped.
    propertyNames: {
      pattern: `^(mode|limit|cursor|region|latencies|max_latency_ms|attr\\.${ATTRIBUTE_NAME_PATTERN.slice(1, -1)})$`,
    },
    additionalProperties: Type.String({ maxLength: ATTRIBUTE_VALUE_MAX }),
    description: `Filters: mode, attr.<name>=<value> (at most ${MAX_ATTRIBUTES}, all must equal), and where the caller is: region, or latencies (region:ms pairs, a party's players separated by ;) with max_latency_ms`,
  },
);

export const LobbyView = Type.Object(
  {
    code: Type.String({ description: 'Join it: POST /v1/sessions/{code}/join' }),
    mode: Mode,
    region: Type.String({ description: 'The region its server is in', examples: ['ams3'] }),
    latency_ms: Type.Union([Type.Number(), Type.Null()], {
      description: "The caller's latency to its region (a party's worst player's); null without latencies",
    }),
    attributes: Attributes,
    players: Type.Integer({ description: 'Seats held (reserved or taken)' }),
    max_players: Type.Integer(),
    free_seats: Type.Integer({ minimum: 1 }),
    created_at: Type.String({ format: 'date-time' }),
  },
  { title: 'Lobby' },
);

export function lobbyView(e: ListedLobby) {
  return {
    code: e.code,
    mode: e.mode,
    region: e.region,
    latency_ms: e.latencyMs,
    attributes: e.attributes,
    players: e.seatsHeld,
    max_players: e.maxPlayers,
    free_seats: e.maxPlayers - e.seatsHeld,
    created_at: new Date(e.createdAtMs).toISOString(),
  };
}

export const QuickJoinBody = Type.Object(
  {
    mode: Mode,
    player_id: Type.Optional({ ...PlayerId, description: 'The player joining; omitted: one is made' }),
    max_players: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 10_000, description: 'max_players of a session this quick join starts' }),
    ),
    ...PlacementStartFields,
  },
  {
    additionalProperties: false,
    examples: [
      { mode: 'duel', player_id: 'p7' },
      {
        mode: 'duel',
        latencies: [
          { ams3: 24, nyc3: 95 },
          { ams3: 60, nyc3: 40 },
        ],
        max_latency_ms: 120,
      },
    ],
  },
);

const QuickSeatView = Type.Object(
  {
    player_id: PlayerId,
    token: Type.Union([Type.String(), Type.Null()], {
      description:
        'The seat token (show it to the game server); null while the server is coming: once the session is active, POST /v1/sessions/{code}/join with this player_id gets it',
    }),
    expires_at: Type.String({ format: 'date-time', description: 'The seat is freed unless taken up by then' }),
  },
  { title: 'QuickSeat' },
);

export const QuickJoinView = Type.Composite([SessionView, Type.Object({ seat: QuickSeatView })], {
  title: 'QuickJoined',
  description: 'The session the player was seated in (where to connect once active) and the seat',
});

export function quickSeatView(s: QuickSeat) {
  return { player_id: s.playerId, token: s.token, expires_at: new Date(s.expiresAtMs).toISOString() };
}
