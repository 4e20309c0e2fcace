import { SessionPlacementFields } from './placement-schemas.js';
import { Type, type TSchema } from '@sinclair/typebox';

/** The /v1 error body: `{"error": {"code", "message"}}`. */
export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable, machine-readable reason', examples: ['not_found'] }),
      message: Type.String({ description: 'What went wrong, for people', examples: ['No session has this code'] }),
    }),
  },
  { title: 'Error', examples: [{ error: { code: 'not_found', message: 'No session has this code' } }] },
);

const Time = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);
const SessionStateT = Type.Union([Type.Literal('pending'), Type.Literal('active'), Type.Literal('ended')]);
const ServerStateT = Type.Union(
  ['creating', 'starting', 'ready', 'allocated', 'unhealthy', 'error', 'shutdown', 'deleted'].map((s) =>
    Type.Literal(s),
  ),
);

export const Metadata = Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), {
  maxProperties: 64,
  description: "The game's own data about the session (mode, map, region…); JSON, size-bounded",
  examples: [{ mode: 'coop', map: 'harbour' }],
});

const sessionFields = {
  code: Type.String({ description: 'Share code: 6 characters, matched case-insensitively', examples: ['K7XQ3M'] }),
  state: SessionStateT,
  address: Type.Union([Type.String(), Type.Null()], {
    description: 'Game server address, once active',
    examples: ['127.0.0.2'],
  }),
  game_port: Type.Union([Type.Integer(), Type.Null()], {
    description: 'Game port, when the provider knows it',
    examples: [7777],
  }),
  players: Type.Integer({ description: 'Players the server last reported' }),
  max_players: Type.Union([Type.Integer(), Type.Null()], {
    description: 'Joins are refused at this many players; null = no limit',
  }),
  metadata: Type.Union([Metadata, Type.Null()]),
  created_at: Time,
  activated_at: Time,
  ended_at: Time,
  end_reason: Type.Union([Type.String(), Type.Null()], { examples: ['server_ended'] }),
  ...SessionPlacementFields,
};

const SESSION_EXAMPLE = {
  code: 'K7XQ3M',
  state: 'active',
  address: '127.0.0.2',
  game_port: 7777,
  players: 1,
  max_players: 4,
  metadata: { mode: 'coop' },
  created_at: '2026-11-30T08:00:00.000Z',
  activated_at: '2026-11-30T08:00:01.500Z',
  ended_at: null,
  end_reason: null,
  region: 'ams3',
  placement: 'nearest_ready',
};

export const SessionView = Type.Object(sessionFields, { title: 'Session', examples: [SESSION_EXAMPLE] });

export const OperatorSessionView = Type.Object(
  { ...sessionFields, id: Type.String(), server_id: Type.Union([Type.String(), Type.Null()]) },
  { title: 'OperatorSession', examples: [{ ...SESSION_EXAMPLE, id: '0b6f…', server_id: '5d1c…' }] },
);

const SERVER_EXAMPLE = {
  id: '5d1c…',
  state: 'ready',
  origin: 'local',
  address: '127.0.0.2',
  game_port: 7777,
  players: 0,
  created_at: '2026-11-30T08:00:00.000Z',
  ready_at: '2026-11-30T08:00:01.000Z',
  last_heartbeat_at: '2026-11-30T08:00:05.000Z',
  reason: null,
};

export const ServerView = Type.Object(
  {
    id: Type.String(),
    state: ServerStateT,
    origin: Type.String({ examples: ['local', 'digitalocean', 'hetzner', 'external'] }),
    address: Type.Union([Type.String(), Type.Null()]),
    game_port: Type.Union([Type.Integer(), Type.Null()]),
    players: Type.Integer(),
    created_at: Time,
    ready_at: Time,
    last_heartbeat_at: Time,
    reason: Type.Union([Type.String(), Type.Null()]),
  },
  {
    title: 'Server',
    examples: [SERVER_EXAMPLE],
  },
);

export const PoolView = Type.Object(
  {
    region: Type.String({
      description: "The region whose pool this is (the default region's when none was asked for)",
    }),
    min_ready: Type.Integer({ description: 'Ready servers kept waiting in the region' }),
    buffer: Type.Integer({ description: 'Ready servers kept on top of the allocated ones in the region' }),
    max_servers: Type.Integer({ description: 'Cap on machines in force, all regions together (≤ max_servers_cap)' }),
    max_servers_cap: Type.Integer({ description: 'MAX_SERVERS from the configuration: the hard cost cap' }),
    region_max_servers: Type.Integer({
      description: "The region's cap on machines in force (≤ region_max_servers_cap)",
    }),
    region_max_servers_cap: Type.Integer({
      description: "The region's configured cap: REGION_MAX_SERVERS under the cap in force (else that cap)",
    }),
  },
  {
    title: 'PoolSettings',
    examples: [
      {
        region: 'nyc3',
        min_ready: 1,
        buffer: 2,
        max_servers: 10,
        max_servers_cap: 10,
        region_max_servers: 6,
        region_max_servers_cap: 6,
      },
    ],
  },
);

export const PoolChange = Type.Object(
  {
    min_ready: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
    buffer: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
    max_servers: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 100_000, description: 'The cap of all regions together' }),
    ),
    region_max_servers: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 100_000, description: "The region's cap (lowers REGION_MAX_SERVERS only)" }),
    ),
  },
  { additionalProperties: false, minProperties: 1, examples: [{ buffer: 2 }] },
);

export const PoolRegionQuery = Type.Object({
  region: Type.Optional(
    Type.String({
      pattern: '^[a-z0-9][a-z0-9-]{0,62}$',
      description: 'One of REGIONS; absent: the default region (what callers before regions changed)',
      examples: ['ams3'],
    }),
  ),
});

/** A page of items and the cursor of the next page (null on the last page). */
export function PageOf(item: TSchema, id: string) {
  return Type.Object({ items: Type.Array(item), next_cursor: Type.Union([Type.String(), Type.Null()]) }, { title: id });
}

export const ServerReport = Type.Object(
  {
    server: ServerView,
    session: Type.Union([SessionView, Type.Null()], { description: 'The live session this server holds, if any' }),
  },
  { examples: [{ server: SERVER_EXAMPLE, session: SESSION_EXAMPLE }] },
);

const ERROR_TEXT: Record<number, [string, string, string]> = {
  400: ['Bad input: the message names the field', 'invalid_input', 'body/max_players must be >= 1'],
  401: ['Missing or wrong credentials (token, key or signature)', 'unauthorized', 'A valid operator token is required'],
  404: ['Unknown, or (for a session) ended', 'not_found', 'No session has this code'],
  409: [
    'Conflict: session full or not ready, server busy, session already ended, no region within max_latency_ms',
    'session_full',
    'The session is full (4 of 4 players)',
  ],
  413: ['Body too large', 'payload_too_large', 'The request body is too large'],
  415: ['Not JSON', 'unsupported_media_type', 'Unsupported Content-Type: send application/json'],
  429: [
    'Too many requests from this address; see Retry-After',
    'rate_limited',
    'Too many session starts from this address; slow down',
  ],
  503: [
    'Not available (a feature not configured, no capacity, or no region can take a start now: regions_unavailable); see Retry-After',
    'unavailable',
    'Operator endpoints are disabled: set ADMIN_TOKEN.',
  ],
};

/** Error responses by status, each with the /v1 error body, a description and an example. */
export function errors(...statuses: number[]): Record<number, typeof ErrorBody> {
  return Object.fromEntries(
    statuses.map((s) => {
      const [description, code, message] = ERROR_TEXT[s] ?? ['Error', 'error', 'Error'];
      return [s, { ...ErrorBody, description, examples: [{ error: { code, message } }] }];
    }),
  );
}
