import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { newMasterSecret } from './domain/credentials.js';
import { EventKind, type FleetEvent } from './domain/events.js';
import { SERVER_STATES } from './domain/server.js';
import type { Provider } from './providers/provider.js';
import { createProvider } from './providers/registry.js';
import { Reconciler } from './reconcile/index.js';
import { ServerOps } from './fleet/server-ops.js';
import { meteredProvider } from './operator/metered-provider.js';
import { OperatorView } from './operator/operator-view.js';
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
  /** Events out, webhooks, metrics, costs, the dashboard (issue 10). */
  view: OperatorView;
  /** Stops in order: HTTP (in-flight requests finish), the provider and the loop, the database. */
  close(): Promise<void>;
}

export interface OrchestratorOverrides {
  clock?: Clock;
  logger?: Logger;
  provider?: Provider;
  /** Extra routes (tests stand in for routes other branches add). */
  plugins?: ((app: FastifyInstance) => Promise<void>)[];
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
  // Every provider call is counted (metrics) through a decorator; the view is made just below.
  let view: OperatorView | null = null;
  const provider = meteredProvider(o.provider ?? createProvider({ config, clock, logger, onChange: reconcileSoon }), (op, outcome, s) =>
    view?.metrics.onProviderCall(op, outcome, s),
  );
  view = new OperatorView({ config, store, clock, logger, provider });
  // Side effects of state changes run after commit, from the outbox: here, the log lines.
  const eventLog = logger.child({ component: 'events' });
  store.onEvents((events) => logEvents(eventLog, events));
  const ops = new ServerOps({
    store,
    provider,
    clock,
    log: logger,
    leaseMs: config.lifecycle.leaseS * 1000,
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
  reconciler = new Reconciler({
    store,
    provider,
    ops,
    clock,
    log: logger.child({ component: 'reconciler' }),
    settings: config.lifecycle,
    events: { retentionMs: config.events.retentionS * 1000, maxRows: config.events.maxRows },
    onPass: (r) => view!.metrics.onPass(r),
  });
  // What a dead process left waiting is resolved before the first request: its pending
  // sessions end (abandoned); its creates are adopted or dropped by the first pass.
  await service.resolveAbandoned(true);
  const app = await buildApp({
    config,
    service,
    store,
    clock,
    credentialFor: (id) => ops.credentialFor(id),
    logger: logger.child({ component: 'http' }),
    status: async () => ({ ...(await operatorStatus(store, reconciler!, provider.name)), ...(await view!.status()) }),
    plugins: [view.plugin, ...(o.plugins ?? [])],
  });
  view.reconcilerStatus = () => reconciler!.status();
  await view.start();
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
    view,
    close: () =>
      (closed ??= (async () => {
        // Waiting starts answer 503 + Retry-After at once and their sessions end, so the
        // HTTP server has no request left to wait for.
        await service.shutdown();
        await app.close();
        await view.close();
        // Closing the provider first aborts its backoff and rate-budget waits, so a pass in
        // flight ends promptly instead of holding the shutdown for a minute.
        const loopStopped = rec.stop();
        await provider.close();
        await loopStopped;
        await store.close();
      })()),
  };
}

/** Counts by state (count queries, no rows loaded) and the loop's health, for operators. */
async function operatorStatus(store: Store, reconciler: Reconciler, provider: string): Promise<Record<string, unknown>> {
  const servers: Record<string, number> = {};
  for (const state of SERVER_STATES) {
    const n = await store.countServers([state]);
    if (n > 0) servers[state] = n;
  }
  const sessions: Record<string, number> = {};
  for (const state of ['pending', 'active'] as const) sessions[state] = await store.countSessions([state]);
  return { provider, servers, sessions, reconciler: reconciler.status() };
}

const QUIET_EVENTS: ReadonlySet<string> = new Set([EventKind.ServerStateChanged]);

/** One log line per event, after commit (never inside a transaction that may run twice). */
function logEvents(log: Logger, events: readonly FleetEvent[]): void {
  for (const e of events) {
    const line = { event: e.kind, eventId: e.id, serverId: e.serverId ?? undefined, sessionId: e.sessionId ?? undefined, ...e.data };
    if (QUIET_EVENTS.has(e.kind)) log.debug(line, e.kind);
    else if (e.kind === EventKind.OutageGuardOn || e.kind === EventKind.OrphanDeleted) log.warn(line, e.kind);
    else log.info(line, e.kind);
  }
}
