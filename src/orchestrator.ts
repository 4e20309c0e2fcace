import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { newMasterSecret } from './domain/credentials.js';
import { DigitalOceanProvider } from './providers/digitalocean/digitalocean-provider.js';
import { LocalProvider } from './providers/local/local-provider.js';
import type { Provider } from './providers/provider.js';
import { Reconciler } from './reconcile/index.js';
import { ServerOps } from './sessions/server-ops.js';
import { SessionService } from './sessions/session-service.js';
import { SessionWaiter } from './sessions/session-waiter.js';
import { createStore } from './store/create-db.js';
import type { Store } from './store/store.js';
import { systemClock, type Clock } from './util/clock.js';

/** Everything a running orchestrator is made of; main.ts and the e2e tests build it the same way. */
export interface Orchestrator {
  app: FastifyInstance;
  store: Store;
  provider: Provider;
  service: SessionService;
  reconciler: Reconciler;
  ops: ServerOps;
  logger: Logger;
  /** Stops in order: HTTP (in-flight requests finish), the provider and the loop, the database. */
  close(): Promise<void>;
}

export interface OrchestratorOverrides {
  clock?: Clock;
  logger?: Logger;
  provider?: Provider;
  /** Start the reconcile loop (default true). */
  reconcile?: boolean;
}

/** The composition root: the only place that knows the concrete adapters. */
export async function createOrchestrator(config: Readonly<Config>, o: OrchestratorOverrides = {}): Promise<Orchestrator> {
  const clock = o.clock ?? systemClock;
  const logger = o.logger ?? pino({ level: config.logLevel, redact: ['req.headers.authorization', 'req.headers["request-signature"]'] });
  const store = await createStore(config.db, logger);
  const credentialSecret = config.credentialSecret ?? (await store.setMetaIfAbsent('credential_secret', newMasterSecret()));
  const waiter = new SessionWaiter();
  let reconciler: Reconciler | null = null;
  const reconcileSoon = () => reconciler?.trigger();
  const provider = o.provider ?? makeProvider(config, clock, logger, reconcileSoon);
  const ops = new ServerOps({
    store,
    provider,
    clock,
    log: logger,
    waiter,
    credentialSecret,
    orchestratorUrl: config.publicUrl,
    readiness: config.lifecycle.readiness,
    recycleServers: config.lifecycle.recycleServers,
  });
  const service = new SessionService(store, ops, waiter, clock, logger, {
    startTimeoutS: config.lifecycle.startTimeoutS,
    startPollMs: config.lifecycle.startPollMs,
    maxServers: config.lifecycle.maxServers,
    idempotencyTtlS: config.lifecycle.idempotencyTtlS,
  }, reconcileSoon);
  reconciler = new Reconciler({ store, provider, ops, clock, log: logger.child({ component: 'reconciler' }), settings: config.lifecycle, pool: config.pool });
  const app = await buildApp({
    config,
    service,
    store,
    clock,
    credentialFor: (id) => ops.credentialFor(id),
    logger: logger.child({ component: 'http' }),
    status: async () => operatorStatus(store, reconciler!, provider.name),
  });
  if (o.reconcile !== false) reconciler.start();
  const rec = reconciler;
  let closed: Promise<void> | null = null;
  return {
    app,
    store,
    provider,
    service,
    reconciler: rec,
    ops,
    logger,
    close: () =>
      (closed ??= (async () => {
        await app.close();
        // Closing the provider first aborts its backoff and rate-budget waits, so a pass in
        // flight ends promptly instead of holding the shutdown for a minute.
        const loopStopped = rec.stop();
        await provider.close();
        await loopStopped;
        await store.close();
      })()),
  };
}

/** Counts by state and the loop's health, for operators (a rare call: a full scan is fine). */
async function operatorStatus(store: Store, reconciler: Reconciler, provider: string): Promise<Record<string, unknown>> {
  const servers: Record<string, number> = {};
  for (const s of await store.listServers()) servers[s.state] = (servers[s.state] ?? 0) + 1;
  const sessions: Record<string, number> = {};
  for (const state of ['pending', 'active'] as const) sessions[state] = await store.countSessions([state]);
  return { provider, servers, sessions, reconciler: reconciler.status() };
}

function makeProvider(config: Readonly<Config>, clock: Clock, logger: Logger, onChange: () => void): Provider {
  if (config.provider === 'digitalocean') {
    return new DigitalOceanProvider({
      token: config.digitalocean.token ?? '',
      apiUrl: config.digitalocean.apiUrl,
      tag: config.digitalocean.tag,
      region: config.digitalocean.region,
      size: config.digitalocean.size,
      image: config.digitalocean.image ?? '',
      namePrefix: 'gs',
      requestTimeoutMs: config.digitalocean.requestTimeoutMs,
      maxRetries: config.digitalocean.maxRetries,
      retryBaseMs: config.digitalocean.retryBaseMs,
      retryMaxMs: config.digitalocean.retryMaxMs,
      createSettleMs: config.digitalocean.createSettleMs,
      maxRateWaitMs: config.digitalocean.maxRateWaitMs,
      clock,
      logger: logger.child({ component: 'digitalocean' }),
    });
  }
  return new LocalProvider({
    command: config.local.command,
    gamePort: config.local.gamePort,
    stopGraceMs: config.local.stopGraceMs,
    env: {
      HEARTBEAT_INTERVAL_MS: String(config.local.heartbeatIntervalMs),
      EMPTY_SHUTDOWN_MS: String(config.local.emptyShutdownMs),
    },
    logger: logger.child({ component: 'local-provider' }),
    // A game server that exits on its own: look at once rather than at the next interval.
    onExit: () => onChange(),
    clock,
  });
}
