import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SessionUseCases } from '../../sessions/use-cases.js';
import type { DashboardSignIns } from '../admin-auth.js';
import type { RateLimiter } from '../rate-limiter.js';
import { adminRoutes } from './admin-routes.js';
import { clientRoutes } from './client-routes.js';
import { lobbyRoutes } from './lobby-routes.js';
import { regionRoutes } from './region-routes.js';
import type { Store } from '../../store/store.js';
import type { Clock } from '../../util/clock.js';
import { installV1ErrorHandling } from './error-handling.js';
import { clientGuard, operatorGuard } from './guards.js';
import { serverRoutes } from './server-routes.js';

export interface V1Deps {
  sessions: SessionUseCases;
  limiter: RateLimiter;
  authenticate: (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
  adminToken: string | null;
  /** The dashboard's sign-in generation (its cookie also authorizes operator routes). */
  signIns: DashboardSignIns;
  clientApiKeys: readonly string[];
  bodyLimitBytes: number;
  maxPlayers: number;
  maxServersCap: number;
  metadataMaxBytes: number;
  longPollMaxS: number;
  store: Store;
  clock: Clock;
  /** Every route's path pattern and methods, for 405 answers. */
  routeMethods: () => Map<RegExp, Set<string>>;
}

/**
 * The /v1 API: its own plugin (register it with prefix '/v1'), with its own error and 404
 * handlers, over the same session service as the original's routes.
 */
export async function v1Api(app: FastifyInstance, deps: V1Deps): Promise<void> {
  installV1ErrorHandling(app, deps.routeMethods);
  // Browser games (Unity WebGL) may read where to poll and when to retry.
  app.addHook('onSend', async (_req, reply) => {
    if (reply.hasHeader('access-control-allow-origin'))
      reply.header('access-control-expose-headers', 'Location, Retry-After');
  });
  await app.register(clientRoutes, {
    start: deps.sessions.start,
    find: deps.sessions.find,
    seats: deps.sessions.seats,
    limiter: deps.limiter,
    guard: clientGuard(deps.clientApiKeys, deps.adminToken),
    maxPlayers: deps.maxPlayers,
    metadataMaxBytes: deps.metadataMaxBytes,
    longPollMaxS: deps.longPollMaxS,
  });
  const { placement } = deps.sessions;
  if (placement)
    await app.register(regionRoutes, {
      placement,
      store: deps.store,
      clock: deps.clock,
      guard: clientGuard(deps.clientApiKeys, deps.adminToken),
    });
  await app.register(lobbyRoutes, {
    lobbies: deps.sessions.lobbies,
    limiter: deps.limiter,
    guard: clientGuard(deps.clientApiKeys, deps.adminToken),
  });
  await app.register(serverRoutes, {
    reports: deps.sessions.reports,
    seats: deps.sessions.seats,
    find: deps.sessions.find,
    authenticate: deps.authenticate,
    bodyLimitBytes: deps.bodyLimitBytes,
    maxPlayers: deps.maxPlayers,
  });
  await app.register(adminRoutes, {
    operator: deps.sessions.operator,
    seats: deps.sessions.seats,
    pool: deps.sessions.pool,
    guard: operatorGuard(deps.adminToken, deps.signIns, deps.limiter.operatorAuth),
    maxServersCap: deps.maxServersCap,
  });
}
