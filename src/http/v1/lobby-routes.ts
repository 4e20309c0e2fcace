import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OrchestratorError } from '../../domain/errors.js';
import { MAX_ATTRIBUTES } from '../../domain/lobby.js';
import type { Lobbies, LobbyListing } from '../../sessions/lobbies.js';
import { refusalReason } from '../../sessions/lobby-observer.js';
import { queryPlacement, startPlacement } from './placement-schemas.js';
import { clientAddress } from '../client-address.js';
import type { RateLimiter } from '../rate-limiter.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import {
  ATTR_PREFIX,
  LobbyQueryString,
  LobbyView,
  lobbyView,
  QuickJoinBody,
  QuickJoinView,
  quickSeatView,
} from './lobby-schemas.js';
import { errors, PageOf } from './schemas.js';
import { sessionView } from './views.js';

export interface LobbyRoutesDeps {
  lobbies: Lobbies;
  limiter: RateLimiter;
  guard: (req: FastifyRequest) => Promise<void>;
}

const TAGS = ['lobbies'];

/** A listing's answer, as the route renders it. */
interface LobbyPageBody {
  items: ReturnType<typeof lobbyView>[];
  next_cursor: string | null;
}

const JSON_TYPE = 'application/json; charset=utf-8';
/** Sends JSON text as it is: Fastify serializes objects only, and sends a string with a JSON type untouched. */
const sendJson = (reply: FastifyReply, text: string) => reply.type(JSON_TYPE).send(text);

/** Public lobbies: the listing of public sessions with room, and quick join (issue 24). */
export async function lobbyRoutes(app: FastifyInstance, deps: LobbyRoutesDeps): Promise<void> {
  const { lobbies, limiter } = deps;
  // Answers are kept serialized (by the route's own response serializer, once per answer): a
  // shared answer was serialized again for every poller, the most of a cache hit's own work.
  const listings = lobbies.listingCache<string>();
  app.addHook('onRequest', deps.guard);
  const routes = app.withTypeProvider<TypeBoxTypeProvider>();

  routes.get(
    '/lobbies',
    {
      schema: {
        summary: 'List public sessions with a free seat',
        description:
          'Active public sessions with at least one free seat (never private, full or ended), oldest first, cursor-paginated. Filter by `mode` and by attributes (`attr.map=harbour`); by where the caller is as `POST /v1/sessions` takes it: `region`, or `latencies` (`ams3:24,nyc3:95`; a party: players separated by `;`, the worst counts) with `max_latency_ms`: only the regions within reach, best first (400 `unknown_region`, 409 `no_region_within_latency`). Cheap to poll: one answer per distinct query is shared for LOBBY_CACHE_MS (default 1 s), so a listing may be that stale for changes made on another replica; limited per address (LOBBY_LIST_LIMIT_PER_MIN).',
        tags: TAGS,
        querystring: LobbyQueryString,
        response: { 200: PageOf(LobbyView, 'LobbyPage'), ...errors(400, 401, 429) },
      },
    },
    async (req, reply) => {
      await limiter.checkLobbyList(clientAddress(req));
      // The attr.<name> filters are the schema's additionalProperties, which its static type leaves out.
      const q = req.query;
      const attributes = Object.entries(q)
        .filter(([k]) => k.startsWith(ATTR_PREFIX))
        .map(([k, v]) => [k.slice(ATTR_PREFIX.length), String(v)] as const)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      if (attributes.length > MAX_ATTRIBUTES)
        throw new OrchestratorError('invalid_input', `at most ${MAX_ATTRIBUTES} attr.<name> filters`);
      const placement = queryPlacement(q);
      let after: LobbyListing['after'];
      if (q.cursor !== undefined) {
        after = decodeCursor(q.cursor) ?? undefined;
        if (!after) throw new OrchestratorError('invalid_input', 'cursor: not a cursor this API gave out');
      }
      const limit = q.limit ?? 50;
      // Pollers asking the same share one answer for LOBBY_CACHE_MS (the attributes sorted: one
      // question however its filters are ordered).
      const key = JSON.stringify([q.mode ?? null, attributes, q.cursor ?? null, limit, placement ?? null]);
      let read = false;
      const answer = listings.get(key, async () => {
        read = true;
        const page = await lobbies.list({ mode: q.mode, attributes, after, limit, placement });
        const last = page.items.at(-1);
        const region = placement ? last?.region : undefined;
        const body: LobbyPageBody = {
          items: page.items.map(lobbyView),
          next_cursor: page.more && last ? encodeCursor({ createdAtMs: last.createdAtMs, id: last.id, region }) : null,
        };
        return String(reply.serialize(body));
      });
      lobbies.observer?.listing(read ? 'miss' : 'hit');
      // A string with a JSON type is sent as it is (Fastify serializes objects only).
      return sendJson(reply, await answer);
    },
  );

  routes.post(
    '/quick-join',
    {
      schema: {
        summary: 'Quick join: a seat in the fullest public session of a mode with room, or a new one',
        description:
          'Seats the player in the fullest public session of `mode` with a free seat (so sessions fill), or starts a public session and seats them in it. Concurrent quick joins fill one session rather than starting one each. With `region`, or `latencies` and `max_latency_ms` (as `POST /v1/sessions`): a session in the best region within reach with room, else a new one placed as `POST /v1/sessions` places it (400 `unknown_region`, 409 `no_region_within_latency`, 503 `regions_unavailable`). 200 with the seat token when the session is active; 202 (`state: pending`, Location) while its server is coming: poll Location with `?wait=`, then `POST /v1/sessions/{code}/join` with the same `player_id` for the token. Counts as a start for the per-address start rate; one that starts a session counts against the cap of sessions its holder may hold (SESSIONS_PER_ADDRESS / SESSIONS_PER_KEY), as any start.',
        tags: TAGS,
        body: QuickJoinBody,
        response: {
          200: { ...QuickJoinView, description: 'Seated in an active session' },
          202: { ...QuickJoinView, description: 'Seated in a session whose server is coming: poll Location' },
          ...errors(400, 401, 409, 429, 503),
        },
      },
    },
    async (req, reply) => {
      await limiter.checkStart(clientAddress(req));
      const b = req.body;
      const asked = b.region !== undefined || b.latencies !== undefined || b.max_latency_ms !== undefined;
      let joined: Awaited<ReturnType<Lobbies['quickJoin']>>;
      try {
        joined = await lobbies.quickJoin({
          mode: b.mode,
          playerId: b.player_id,
          maxPlayers: b.max_players,
          holder: req.sessionHolder,
          placement: asked ? startPlacement(b) : undefined,
        });
      } catch (err) {
        lobbies.observer?.quickJoin({ outcome: 'refused', reason: refusalReason(err) });
        throw err;
      }
      const { snap, seat, started } = joined;
      lobbies.observer?.quickJoin({ outcome: started ? 'started' : 'seated', region: snap.session.region });
      const body = { ...sessionView(snap), seat: quickSeatView(seat) };
      if (snap.session.state === 'pending') reply.code(202).header('location', `/v1/sessions/${snap.session.code}`);
      return body;
    },
  );
}
