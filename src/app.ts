import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import { readFileSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Config } from './config.js';
import type { SessionUseCases } from './sessions/use-cases.js';
import type { Store } from './store/store.js';
import type { Clock } from './util/clock.js';
import { dashboardSignIns } from './http/admin-auth.js';
import { clientErrorHandler } from './http/client-error.js';
import type { CapName } from './http/cap-log.js';
import { ConnectionGuard, connectionCapWithin } from './http/connection-guard.js';
import { openFileLimit } from './util/open-file-limit.js';
import { compatRoutes } from './http/compat-routes.js';
import { installSessionGuard } from './guard/session-caps.js';
import { installCors } from './http/cors.js';
import { refuseRepeatedQuery } from './http/query-once.js';
import { installValidators } from './http/validators.js';
import { neutralErrorHandler } from './http/errors.js';
import { installOpenApi } from './http/openapi.js';
import { operatorRoutes } from './http/operator-routes.js';
import { RateLimiter } from './http/rate-limiter.js';
import { serverAuth } from './http/server-auth.js';
import { v1Api } from './http/v1/index.js';
import { VERSION } from './version.js';

export interface AppDeps {
  config: Readonly<Config>;
  /** The use cases both APIs map onto. */
  sessions: SessionUseCases;
  store: Store;
  clock: Clock;
  credentialFor: (serverId: string) => string;
  /** A pino logger for requests; none means no request logging. */
  logger?: FastifyBaseLogger;
  /** The operator status (/v1/status). */
  status?: () => Promise<Record<string, unknown>>;
  /** Shown in the OpenAPI document. */
  version?: string;
  /** Counts connections refused by MAX_CONNECTIONS / MAX_CONNECTIONS_PER_ADDRESS (/metrics). */
  onConnectionRefused?: (cap: CapName) => void;
  /** Extra routes (the dashboard) registered by later layers. */
  plugins?: ((app: FastifyInstance) => Promise<void>)[];
}

/**
 * The Node server under Fastify, so the slow-loris defences apply: a client must finish its
 * headers within HEADERS_TIMEOUT_MS and its body within BODY_TIMEOUT_MS more, and Node checks
 * that often enough to matter (its default check runs every 30 s, whatever the timeout). The
 * connection guard caps open connections and keeps health answering past the cap.
 */
function createHttpServer(deps: AppDeps, handler: RequestListener): Server {
  const { config } = deps;
  const { limits } = config;
  const caps = config.guard.connections;
  const opts = {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.max(
      50,
      Math.min(1000, Math.floor(Math.min(limits.headersTimeoutMs, limits.bodyTimeoutMs) / 4)),
    ),
  };
  const guard = new ConnectionGuard({
    caps,
    lingerMs: limits.closeLingerMs,
    bodyTimeoutMs: limits.bodyTimeoutMs,
    log: deps.logger,
    now: () => deps.clock.now(),
    onRefused: deps.onConnectionRefused,
  });
  const guarded = guard.handler(handler);
  const server = config.tls
    ? createHttpsServer(
        { ...opts, cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) },
        guarded,
      )
    : createServer(opts, guarded);
  const fileLimit = openFileLimit();
  const maxConnections = connectionCapWithin(caps.maxConnections, caps.healthReserve, fileLimit);
  if (maxConnections < caps.maxConnections)
    deps.logger?.warn(
      { configured: caps.maxConnections, maxConnections, openFileLimit: fileLimit },
      'MAX_CONNECTIONS lowered below the open-file limit (ulimit -n); raise the limit to serve more connections',
    );
  guard.attach(server, maxConnections);
  return server;
}

function trustHops(hops: number): false | ((address: string, hop: number) => boolean) {
  return hops === 0 ? false : (_address, hop) => hop < hops;
}

/** Builds the HTTP app; never listens (main.ts does). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    bodyLimit: config.limits.bodyLimitBytes,
    exposeHeadRoutes: false,
    return503OnClosing: true,
    // The server's timeouts are set on the server createHttpServer makes (Fastify applies its
    // own only to a server it makes). No socket idle timeout: a waiting start is silent for up
    // to START_TIMEOUT_S.
    serverFactory: (handler) => createHttpServer(deps, handler),
    // A number of hops as a function: the address `hops` proxies in from the socket is the client.
    trustProxy: typeof config.trustProxy === 'number' ? trustHops(config.trustProxy) : config.trustProxy,
    routerOptions: { maxParamLength: 200, ignoreTrailingSlash: false },
    // Errors of the HTTP parser (400, 408, 431) get the original's error shape, not Fastify's.
    clientErrorHandler: clientErrorHandler(config.limits.closeLingerMs),
    // A malformed URL (a broken %-escape): before routing, so no plugin can scope it; /v1
    // paths get the /v1 shape here, everything else the original's.
    frameworkErrors: (err, req, reply) => {
      const message = err.code === 'FST_ERR_BAD_URL' ? 'Malformed URL' : 'Bad Request';
      const v1 = req.url === '/v1' || req.url.startsWith('/v1/');
      void (reply as FastifyReply)
        .code(400)
        .send(v1 ? { error: { code: 'invalid_input', message } } : { detail: message });
    },
  });

  const routes = new Map<RegExp, Set<string>>();
  app.addHook('onRoute', (r) => {
    const re = new RegExp(`^${r.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z0-9_]+/g, '[^/]+')}$`);
    const key = [...routes.keys()].find((k) => k.source === re.source) ?? re;
    const methods = routes.get(key) ?? new Set<string>();
    for (const m of [r.method].flat()) methods.add(m);
    routes.set(key, methods);
  });
  // A request in flight when the app closes is answered, but its keep-alive connection then
  // stayed open (Node closes only the connections idle at the moment of close) and held the
  // close for KEEP_ALIVE_TIMEOUT_MS, 72 s by default. From the close on, a connection is let go
  // as soon as its response is done.
  app.addHook('preClose', (done) => {
    app.server.keepAliveTimeout = 1;
    done();
  });
  app.setErrorHandler(neutralErrorHandler);
  installValidators(app);
  await installOpenApi(app, deps.version ?? VERSION);
  installCors(app, config.corsAllowedOrigins);
  refuseRepeatedQuery(app);
  if (config.enforceHttps) {
    app.addHook('onRequest', async (req, reply) => {
      if (req.protocol !== 'https') return reply.redirect(`https://${req.hostname}${req.url}`, 307);
    });
  }

  const limiter = new RateLimiter(deps.store, deps.clock, {
    startsPerMinute: config.limits.startsPerMinutePerAddress,
    failedJoinsPerMinute: config.limits.failedJoinsPerMinutePerAddress,
    operatorAuthFailuresPerMinute: config.limits.operatorAuthFailuresPerMinutePerAddress,
    lobbyListsPerMinute: config.lobbies.listsPerMinute,
  });
  const authenticate = serverAuth({
    key: config.hmac.key,
    maxSkewS: config.hmac.maxSkewS,
    clock: deps.clock,
    store: deps.store,
    credentialFor: (id) => deps.credentialFor(id),
  });
  installSessionGuard(app, {
    perAddress: config.guard.sessionsPerAddress,
    perKey: config.guard.sessionsPerKey,
    clientApiKeys: config.v1.clientApiKeys,
    adminToken: config.adminToken,
    originalRoutesNeedKey: config.guard.originalRoutesNeedKey,
  });
  await app.register(compatRoutes, {
    routeMethods: () => routes,
    start: deps.sessions.start,
    find: deps.sessions.find,
    reports: deps.sessions.reports,
    authenticate,
    limiter,
    bodyLimitBytes: config.limits.bodyLimitBytes,
    maxPlayers: config.limits.maxPlayers,
  });
  await app.register(operatorRoutes, {
    adminToken: config.adminToken,
    throttle: limiter.operatorAuth,
    status: deps.status ?? (async () => ({})),
  });
  await app.register(v1Api, {
    prefix: '/v1',
    sessions: deps.sessions,
    store: deps.store,
    clock: deps.clock,
    limiter,
    authenticate,
    adminToken: config.adminToken,
    signIns: dashboardSignIns(deps.store),
    clientApiKeys: config.v1.clientApiKeys,
    bodyLimitBytes: config.limits.bodyLimitBytes,
    maxPlayers: config.limits.maxPlayers,
    maxServersCap: config.lifecycle.maxServers,
    metadataMaxBytes: config.v1.metadataMaxBytes,
    longPollMaxS: config.v1.longPollMaxS,
    routeMethods: () => routes,
  });
  for (const plugin of deps.plugins ?? []) await app.register(plugin);
  return app;
}
