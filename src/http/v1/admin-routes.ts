import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { OrchestratorError } from '../../domain/errors.js';
import { SERVER_STATES, type ServerOrigin, type ServerState } from '../../domain/server.js';
import type { SessionState } from '../../domain/session.js';
import type { OperatorActions } from '../../sessions/operator-actions.js';
import type { PoolInForce } from '../../sessions/pool-settings.js';
import type { Seats } from '../../sessions/seats.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import type { PageCursor } from '../../store/v1-types.js';
import { errors, OperatorSessionView, PageOf, ServerView } from './schemas.js';
import { poolRoutes } from './pool-routes.js';
import { operatorSessionView, serverView } from './views.js';
import { seatView, SeatView } from './seat-schemas.js';

export interface AdminRoutesDeps {
  operator: OperatorActions;
  seats: Seats;
  pool: PoolInForce;
  guard: (req: FastifyRequest) => Promise<void>;
  /** MAX_SERVERS: the configured hard cap. */
  maxServersCap: number;
}

const TAGS = ['operators'];
const BEARER = 'Needs `Authorization: Bearer $ADMIN_TOKEN`.';
const AUTH_ERRORS = errors(401, 503);
const ListQuery = {
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'next_cursor of the previous page' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
};

/** Comma-separated values, each one of `allowed`; invalid ones are a 400 naming them. */
function csv<T extends string>(text: string | undefined, allowed: readonly string[], name: string): T[] | undefined {
  if (!text) return undefined;
  const values = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = values.filter((v) => !allowed.includes(v));
  if (bad.length)
    throw new OrchestratorError(
      'invalid_input',
      `${name}: unknown value(s) ${bad.slice(0, 3).join(', ')}; one of ${allowed.join(', ')}`,
    );
  return values as T[];
}

function cursor(text: string | undefined): PageCursor | undefined {
  if (!text) return undefined;
  const c = decodeCursor(text);
  if (!c) throw new OrchestratorError('invalid_input', 'cursor: not a cursor this API gave out');
  return c;
}

function nextCursor<T extends { createdAtMs: number; id: string }>(page: { items: T[]; more: boolean }): string | null {
  const last = page.items[page.items.length - 1];
  return page.more && last ? encodeCursor(last) : null;
}

/** Operators: list and filter sessions and servers, end sessions, drain or delete servers, pool settings. */
export async function adminRoutes(app: FastifyInstance, deps: AdminRoutesDeps): Promise<void> {
  const { operator } = deps;
  const onRequest = deps.guard;
  const routes = app.withTypeProvider<TypeBoxTypeProvider>();

  routes.get(
    '/sessions',
    {
      onRequest,
      schema: {
        summary: 'List sessions (operators)',
        description: `Oldest first, cursor-paginated. ${BEARER}`,
        tags: TAGS,
        querystring: Type.Object({
          ...ListQuery,
          state: Type.Optional(
            Type.String({ description: 'Comma-separated: pending, active, ended', examples: ['pending,active'] }),
          ),
          server_id: Type.Optional(Type.String({ maxLength: 64 })),
        }),
        response: { 200: PageOf(OperatorSessionView, 'SessionPage'), ...errors(400), ...AUTH_ERRORS },
      },
    },
    async (req) => {
      const q = req.query;
      const states = csv<SessionState>(q.state, ['pending', 'active', 'ended'], 'state');
      const page = await operator.listSessions({
        states,
        serverId: q.server_id,
        after: cursor(q.cursor),
        limit: q.limit ?? 50,
      });
      const items = await Promise.all(
        page.items.map(async (s) =>
          operatorSessionView({
            session: s,
            server: s.serverId ? await operator.getServer(s.serverId).catch(() => null) : null,
          }),
        ),
      );
      return { items, next_cursor: nextCursor(page) };
    },
  );

  routes.delete(
    '/sessions/:code',
    {
      onRequest,
      schema: {
        summary: 'End a session (operators)',
        description: `Ends it (reason \`cancelled\`) and releases its server. ${BEARER}`,
        tags: TAGS,
        params: Type.Object({ code: Type.String({ minLength: 1, maxLength: 32 }) }),
        response: { 200: OperatorSessionView, ...errors(404, 409), ...AUTH_ERRORS },
      },
    },
    async (req) => operatorSessionView(await operator.endSession(req.params.code)),
  );

  routes.get(
    '/sessions/:code/players',
    {
      onRequest,
      schema: {
        summary: "A session's seats (operators)",
        description: `Each player's seat: reserved (token given, not connected yet), taken (connected) or left (held for the reconnect grace). ${BEARER}`,
        tags: TAGS,
        params: Type.Object({ code: Type.String({ minLength: 1, maxLength: 32 }) }),
        response: {
          200: Type.Object({ session: OperatorSessionView, seats: Type.Array(SeatView) }, { title: 'SessionSeats' }),
          ...errors(404),
          ...AUTH_ERRORS,
        },
      },
    },
    async (req) => {
      const { snap, seats } = await deps.seats.list(req.params.code);
      return { session: operatorSessionView(snap), seats: seats.map(seatView) };
    },
  );

  routes.get(
    '/servers',
    {
      onRequest,
      schema: {
        summary: 'List servers (operators)',
        description: `Oldest first, cursor-paginated. ${BEARER}`,
        tags: TAGS,
        querystring: Type.Object({
          ...ListQuery,
          state: Type.Optional(
            Type.String({ description: `Comma-separated: ${SERVER_STATES.join(', ')}`, examples: ['ready,allocated'] }),
          ),
          origin: Type.Optional(
            Type.String({ description: 'Comma-separated: local, digitalocean, hetzner, external' }),
          ),
        }),
        response: { 200: PageOf(ServerView, 'ServerPage'), ...errors(400), ...AUTH_ERRORS },
      },
    },
    async (req) => {
      const q = req.query;
      const page = await operator.listServers({
        states: csv<ServerState>(q.state, SERVER_STATES, 'state'),
        origins: csv<ServerOrigin>(q.origin, ['local', 'digitalocean', 'hetzner', 'external'], 'origin'),
        after: cursor(q.cursor),
        limit: q.limit ?? 50,
      });
      return { items: page.items.map(serverView), next_cursor: nextCursor(page) };
    },
  );

  const ServerId = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
  routes.get(
    '/servers/:id',
    {
      onRequest,
      schema: {
        summary: 'One server (operators)',
        description: BEARER,
        tags: TAGS,
        params: ServerId,
        response: { 200: ServerView, ...errors(404), ...AUTH_ERRORS },
      },
    },
    async (req) => serverView(await operator.getServer(req.params.id)),
  );

  routes.post(
    '/servers/:id/drain',
    {
      onRequest,
      schema: {
        summary: 'Drain a server (operators)',
        description: `Takes a server without a live session out of the pool and deletes its machine; 409 while it holds a session. ${BEARER}`,
        tags: TAGS,
        params: ServerId,
        response: { 200: ServerView, ...errors(404, 409), ...AUTH_ERRORS },
      },
    },
    async (req) => serverView(await operator.drainServer(req.params.id)),
  );

  routes.delete(
    '/servers/:id',
    {
      onRequest,
      schema: {
        summary: 'Delete a server (operators)',
        description: `Ends its session, if any (reason \`cancelled\`), and deletes the machine. ${BEARER}`,
        tags: TAGS,
        params: ServerId,
        response: { 200: ServerView, ...errors(404, 409), ...AUTH_ERRORS },
      },
    },
    async (req) => serverView(await operator.deleteServer(req.params.id)),
  );

  poolRoutes(app, { pool: deps.pool, guard: onRequest, maxServersCap: deps.maxServersCap });
}
