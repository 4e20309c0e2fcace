import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { OrchestratorError } from '../../domain/errors.js';
import type { FindSession } from '../../sessions/find-session.js';
import type { Seats } from '../../sessions/seats.js';
import type { StartSession } from '../../sessions/start-session.js';
import { clientAddress } from '../client-address.js';
import type { LookupReservation, RateLimiter } from '../rate-limiter.js';
import { errors, Metadata, SessionView } from './schemas.js';
import { grantView, JoinBody, JoinView } from './seat-schemas.js';
import { LobbyStartFields, startLobby } from './lobby-schemas.js';
import { PlacementStartFields, startPlacement } from './placement-schemas.js';
import { sessionView } from './views.js';

export interface ClientRoutesDeps {
  start: StartSession;
  find: FindSession;
  seats: Seats;
  limiter: RateLimiter;
  guard: (req: FastifyRequest) => Promise<void>;
  maxPlayers: number;
  metadataMaxBytes: number;
  longPollMaxS: number;
}

const Code = Type.Object({
  code: Type.String({ minLength: 1, maxLength: 32, description: 'Share code (any case)', examples: ['K7XQ3M'] }),
});
const KEY_HEADER = {
  'idempotency-key': Type.Optional(
    Type.String({
      maxLength: 200,
      // As on the original start: no control characters (C0, DEL, C1), which no client sends on purpose.
      pattern: '^[^\\u0000-\\u001f\\u007f-\\u009f]*$',
      description: 'A retried start with the same key returns the same session (no control characters)',
    }),
  ),
};
const TAGS = ['sessions'];

/**
 * On a failed lookup: an unknown code counts (a guess); any other failure (full, not
 * ready: the code exists) is refunded. Rethrows.
 */
function keepCountIfUnknown(lookup: LookupReservation) {
  return async (err: unknown): Promise<never> => {
    if (err instanceof OrchestratorError && err.code === 'not_found') await lookup.unknown();
    else await lookup.found();
    throw err;
  };
}

/** Game clients: start a session, look at (and wait for) it, join it by code. */
export async function clientRoutes(app: FastifyInstance, deps: ClientRoutesDeps): Promise<void> {
  const { find, limiter } = deps;
  app.addHook('onRequest', deps.guard);
  // Held long-polls answer at once when the app closes, so a shutdown does not wait for them.
  const polls = new Set<AbortController>();
  app.addHook('preClose', async () => polls.forEach((ac) => ac.abort()));
  const routes = app.withTypeProvider<TypeBoxTypeProvider>();

  routes.post(
    '/sessions',
    {
      // No body at all is a start with defaults.
      preValidation: async (req) => {
        if (req.body === undefined || req.body === null) req.body = {};
      },
      schema: {
        summary: 'Start a session',
        description:
          'Claims a ready game server (201, the session is active) or queues the session while a server boots (202, pending, with a Location to poll). Never waits for a server. Placement: `region` (that one), or `latencies` (one map, or one per player: the worst player counts) with an optional `max_latency_ms`; the answer says where (`region`) and why (`placement`). 400 `unknown_region`, 409 `no_region_within_latency`, 503 `regions_unavailable` (Retry-After).',
        tags: TAGS,
        headers: Type.Object(KEY_HEADER),
        body: Type.Object(
          {
            max_players: Type.Optional(
              Type.Integer({
                minimum: 1,
                maximum: deps.maxPlayers,
                description: 'Joins are refused at this many players',
              }),
            ),
            metadata: Type.Optional(Metadata),
            ...LobbyStartFields,
            ...PlacementStartFields,
          },
          {
            additionalProperties: false,
            description: 'Optional: no body is an empty object',
            examples: [
              { max_players: 4, metadata: { mode: 'coop' } },
              {
                latencies: [
                  { ams3: 24, nyc3: 95 },
                  { ams3: 60, nyc3: 40 },
                ],
                max_latency_ms: 120,
              },
            ],
          },
        ),
        response: {
          201: { ...SessionView, description: 'A ready server was claimed: the session is active' },
          202: { ...SessionView, description: 'The session waits for a server: poll Location (with ?wait=)' },
          ...errors(400, 401, 409, 413, 415, 429, 503),
        },
      },
    },
    async (req, reply) => {
      await limiter.checkStart(clientAddress(req));
      const b = req.body;
      const metadata = b.metadata === undefined ? null : JSON.stringify(b.metadata);
      if (metadata !== null && Buffer.byteLength(metadata) > deps.metadataMaxBytes) {
        throw new OrchestratorError('invalid_input', `metadata is larger than ${deps.metadataMaxBytes} bytes of JSON`);
      }
      const key = req.headers['idempotency-key'];
      const { sessionId, answer } = await deps.start.start({
        idempotencyKey: typeof key === 'string' && key ? key : undefined,
        details: { maxPlayers: b.max_players ?? null, metadata },
        lobby: startLobby(b),
        holder: req.sessionHolder,
        placement: startPlacement(b),
      });
      const snap = answer ?? (await find.byId(sessionId));
      const location = `/v1/sessions/${snap.session.code}`;
      if (snap.session.state === 'pending') return reply.code(202).header('location', location).send(sessionView(snap));
      return reply.code(201).header('location', location).send(sessionView(snap));
    },
  );

  routes.get(
    '/sessions/:code',
    {
      schema: {
        summary: 'Look at a session; optionally wait for it to change',
        description:
          'With `wait=<s>` the request is held (at most the configured maximum) while the session is in `state` (default `pending`), and answers as soon as it changes.',
        tags: TAGS,
        params: Code,
        querystring: Type.Object({
          wait: Type.Optional(
            Type.Number({
              minimum: 0,
              maximum: 3600,
              description: 'Seconds to wait for a change (capped by V1_LONG_POLL_MAX_S)',
            }),
          ),
          state: Type.Optional(
            Type.Union([Type.Literal('pending'), Type.Literal('active')], {
              description: 'Wait while the session is in this state',
            }),
          ),
        }),
        response: { 200: SessionView, ...errors(400, 401, 404, 429) },
      },
    },
    async (req) => {
      const { code } = req.params;
      const q = req.query;
      // A lookup is a code guess like a join: unknown codes count against the address.
      const lookup = await limiter.reserveLookup(clientAddress(req));
      const snap = await find.byCode(code).catch(keepCountIfUnknown(lookup));
      await lookup.found();
      const waitMs = Math.min(q.wait ?? 0, deps.longPollMaxS) * 1000;
      if (waitMs === 0) return sessionView(snap);
      const ac = new AbortController();
      req.raw.once('close', () => ac.abort());
      polls.add(ac);
      try {
        return sessionView(await find.waitWhile(snap.session.code, q.state ?? 'pending', waitMs, ac.signal));
      } finally {
        polls.delete(ac);
      }
    },
  );

  routes.post(
    '/sessions/:code/join',
    {
      preValidation: async (req) => {
        if (req.body === undefined || req.body === null) req.body = {};
      },
      schema: {
        summary: 'Join a session by share code: reserve a seat',
        description:
          'Where to connect, and a seat reserved for the player with its token (show it to the game server). Seats count against max_players atomically. A player who holds a seat (same player_id, or their seat_token) gets it back even when the session is full. 409 `session_full` when full, `session_not_ready` while it waits for its server; 404 when unknown or ended.',
        tags: TAGS,
        params: Code,
        body: JoinBody,
        response: { 200: JoinView, ...errors(400, 401, 404, 409, 429) },
      },
    },
    async (req) => {
      const { code } = req.params;
      const lookup = await limiter.reserveLookup(clientAddress(req));
      const b = req.body;
      const joined = await deps.seats
        .join(code, { playerId: b.player_id, seatToken: b.seat_token })
        .catch(keepCountIfUnknown(lookup));
      await lookup.found();
      return { ...sessionView(joined.snap), seat: grantView(joined.seat) };
    },
  );
}
