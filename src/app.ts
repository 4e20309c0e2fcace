import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import type { Config } from './config.js';
import type { SessionService } from './sessions/session-service.js';
import type { Store } from './store/store.js';
import type { Clock } from './util/clock.js';
import { compatRoutes } from './http/compat-routes.js';
import { installCors } from './http/cors.js';
import { installErrorHandling } from './http/error-handler.js';
import { operatorRoutes } from './http/operator-routes.js';
import { RateLimiter } from './http/rate-limiter.js';
import { serverAuth } from './http/server-auth.js';

export interface AppDeps {
  config: Readonly<Config>;
  service: SessionService;
  store: Store;
  clock: Clock;
  credentialFor(serverId: string): string;
  /** A pino logger for requests; none means no request logging. */
  logger?: FastifyBaseLogger;
  /** The operator status (/v1/status). */
  status?: () => Promise<Record<string, unknown>>;
  /** Extra routes (the /v1 API, the dashboard) registered by later layers. */
  plugins?: ((app: FastifyInstance) => Promise<void>)[];
}

/** Builds the HTTP app; never listens (main.ts does). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    bodyLimit: config.limits.bodyLimitBytes,
    exposeHeadRoutes: false,
    return503OnClosing: true,
    requestTimeout: config.limits.requestTimeoutMs,
    connectionTimeout: config.limits.requestTimeoutMs,
    keepAliveTimeout: config.limits.keepAliveTimeoutMs,
    http2: false,
    https: config.tls ? { cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) } : null,
    trustProxy: false,
    disableRequestLogging: false,
    routerOptions: { maxParamLength: 200, ignoreTrailingSlash: false },
  });
  // Slow-loris: a client must finish its headers within this time.
  app.server.headersTimeout = config.limits.headersTimeoutMs;

  const routes = new Map<RegExp, Set<string>>();
  app.addHook('onRoute', (r) => {
    const re = new RegExp(`^${r.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z0-9_]+/g, '[^/]+')}$`);
    const key = [...routes.keys()].find((k) => k.source === re.source) ?? re;
    const methods = routes.get(key) ?? new Set<string>();
    for (const m of [r.method].flat()) methods.add(m);
    routes.set(key, methods);
  });
  installErrorHandling(app, () => routes);
  installCors(app, config.corsAllowedOrigins);
  if (config.enforceHttps) {
    app.addHook('onRequest', async (req, reply) => {
      if (req.protocol !== 'https') return reply.redirect(`https://${req.hostname}${req.url}`, 307);
    });
  }

  const limiter = new RateLimiter(deps.store, deps.clock, {
    startsPerMinute: config.limits.startsPerMinutePerAddress,
    failedJoinsPerMinute: config.limits.failedJoinsPerMinutePerAddress,
  });
  const authenticate = serverAuth({
    key: config.hmac.key,
    maxSkewS: config.hmac.maxSkewS,
    clock: deps.clock,
    store: deps.store,
    credentialFor: deps.credentialFor,
  });
  await app.register(compatRoutes, {
    service: deps.service,
    authenticate,
    limiter,
    bodyLimitBytes: config.limits.bodyLimitBytes,
    maxPlayers: config.limits.maxPlayers,
  });
  await app.register(operatorRoutes, { adminToken: config.adminToken, status: deps.status ?? (async () => ({})) });
  for (const plugin of deps.plugins ?? []) await app.register(plugin);
  return app;
}
