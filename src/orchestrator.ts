import { heardWithinMs } from './reconcile/health.js';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { newMasterSecret } from './domain/credentials.js';
import { EventKind, type FleetEvent } from './domain/events.js';
import { SERVER_STATES } from './domain/server.js';
import type { Provider } from './providers/provider.js';
import { createProvider } from './providers/registry.js';
import { logForeignServers } from './reconcile/foreign-servers.js';
import { BootWatcher, Reconciler } from './reconcile/index.js';
import { ServerOps } from './fleet/server-ops.js';
import type { PoolSettings } from './sessions/pool-settings.js';
import { sessionUseCases, type SessionUseCases } from './sessions/use-cases.js';
import { meteredProvider } from './operator/metered-provider.js';
import { OperatorView } from './operator/operator-view.js';
import { PgAdvisoryLeadership, replicaName, SingleProcessLeadership, type Leadership } from './reconcile/leadership.js';
import { CapacityGuard } from './domain/capacity-guard.js';
import { createStore } from './store/create-db.js';
import type { Store } from './store/store.js';
import { systemClock, type Clock } from './util/clock.js';
import { createLogger } from './util/create-logger.js';

/** Everything a running orchestrator is made of; main.ts and the e2e tests build it the same way. */
export interface Orchestrator {
  app: FastifyInstance;
  store: Store;
  provider: Provider;
  /** The session use cases (start, find, server reports, operator verbs, pool settings). */
  sessions: SessionUseCases;
  reconciler: Reconciler;
  ops: ServerOps;
  logger: Logger;
  /** Events out, webhooks, metrics, costs, the dashboard (issue 10). */
  view: OperatorView;
  /** Whether this replica's reconciler leads (always, on SQLite). */
  leadership: Leadership;
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
export async function createOrchestrator(
  config: Readonly<Config>,
  o: OrchestratorOverrides = {},
): Promise<Orchestrator> {
  const clock = o.clock ?? systemClock;
  const logger = o.logger ?? createLogger(config);
  const store = await createStore(config.db, logger);
  const credentialSecret =
    config.credentialSecret ?? (await store.setMetaIfAbsent('credential_secret', newMasterSecret()));
  let reconciler: Reconciler | null = null;
  const reconcileSoon = () => reconciler?.trigger();
  const capacity = new CapacityGuard({
    configuredMaxServers: config.lifecycle.maxServers,
    clock,
    refusalHoldMs: config.lifecycle.capacityHoldS * 1000,
  });
  const onLimitRefused = (message: string) => {
    capacity.noteRefused(message);
    logger.warn(
      { err: message, holdS: config.lifecycle.capacityHoldS },
      'the provider account is full: no create is tried for a while',
    );
  };
  const capacityHooks = { onLimitRefused, onDropletGone: () => capacity.noteFreed() };
  // Every provider call is counted (metrics) through a decorator; the view is made just below.
  let view: OperatorView | null = null;
  const provider = meteredProvider(
    o.provider ?? createProvider({ config, clock, logger, onChange: reconcileSoon, capacity: capacityHooks }),
    (op, outcome, s) => view?.metrics.onProviderCall(op, outcome, s),
  );
  view = new OperatorView({ config, store, clock, logger, provider });
  // Read in the background, awaited only briefly: an API that does not answer must not hold
  // the start-up (or a shutdown) for its request timeout. The clamp applies when it arrives.
  const accountRead = readAccountLimit(provider, capacity, logger);
  const readWait = new AbortController();
  await Promise.race([accountRead, clock.sleep(ACCOUNT_LIMIT_WAIT_MS, readWait.signal)]);
  readWait.abort();
  // The cap is read on every use (a getter), so the account's limit and a refusal hold count at once.
  const lifecycle = {
    ...config.lifecycle,
    get maxServers() {
      return capacity.maxServers;
    },
  };
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
    claimHeardWithinMs: heardWithinMs(config.lifecycle),
  });
  const sessionDeps = { store, ops, clock, log: logger, reconcileSoon };
  const pool = (): PoolSettings => ({
    poolMinReady: config.lifecycle.poolMinReady,
    poolBuffer: config.lifecycle.poolBuffer,
    maxServers: capacity.maxServers,
  });
  const sessions = sessionUseCases(sessionDeps, {
    startTimeoutS: config.lifecycle.startTimeoutS,
    startPollMs: config.lifecycle.startPollMs,
    idempotencyTtlS: config.lifecycle.idempotencyTtlS,
    capacityNote: async () => capacity.reason(await store.countMachines()),
    sharedKeyDrivesManaged: config.guard.sharedKeyDrivesManaged,
    loopbackServers: config.provider === 'local',
    pool,
  });
  const replica = replicaName();
  const leadership: Leadership =
    config.db.kind === 'postgres'
      ? new PgAdvisoryLeadership({
          url: config.db.url,
          replica,
          clock,
          log: logger.child({ component: 'leadership' }),
          timeoutMs: config.db.pool.leaderTimeoutMs,
        })
      : new SingleProcessLeadership(replica, clock);
  await logForeignServers(store, provider.name, logger);
  reconciler = new Reconciler({
    store,
    provider,
    ops,
    clock,
    log: logger.child({ component: 'reconciler' }),
    settings: lifecycle,
    events: { retentionMs: config.events.retentionS * 1000, maxRows: config.events.maxRows },
    beforePass: () => sessions.waits.resolveAbandoned(),
    // Pool settings an operator changed at run time (PATCH /v1/pool), read every pass.
    settingsNow: async (configured) => ({ ...configured, ...(await sessions.pool.settings()) }),
    onPass: (r) => view.metrics.onPass(r),
    leadership,
    pool: config.pool,
  });
  // What a dead process left waiting is resolved before the first request: its pending
  // sessions end (abandoned); its creates are adopted or dropped by the first pass.
  await sessions.waits.resolveAbandoned(true);
  const app = await buildApp({
    config,
    sessions,
    store,
    clock,
    credentialFor: (id) => ops.credentialFor(id),
    logger: logger.child({ component: 'http' }),
    status: async () => ({
      ...(await operatorStatus(store, reconciler, provider.name, leadership)),
      capacity: capacity.status(),
      ...(await view.status()),
    }),
    plugins: [view.plugin, ...(o.plugins ?? [])],
  });
  view.reconcilerStatus = () => reconciler.status();
  await view.start();
  // Look at booting machines often (readiness by address; heartbeats promote on their own), so
  // a cold start is answered about when its machine comes up rather than at the next pass.
  const bootWatcher = new BootWatcher({
    store,
    provider,
    ops,
    clock,
    log: logger.child({ component: 'boot-watcher' }),
    pollMs: config.lifecycle.bootingPollMs,
    promoteByAddress: config.lifecycle.readiness === 'address',
    // The cap in force (the account clamp and refusal hold), read at each look, as the reconciler does.
    get maxServers() {
      return capacity.maxServers;
    },
    reconcileSoon,
    // One replica watches the cloud (the API budget is per account), the one that reconciles.
    leads: () => leadership.holds(),
  });
  if (o.reconcile !== false) {
    reconciler.start();
    bootWatcher.start();
  }
  const rec = reconciler;
  let closed: Promise<void> | null = null;
  return {
    app,
    store,
    provider,
    sessions,
    reconciler: rec,
    ops,
    logger,
    view,
    leadership,
    close: () =>
      (closed ??= (async () => {
        // Waiting starts answer 503 + Retry-After at once and their sessions end, so the
        // HTTP server has no request left to wait for.
        await sessions.waits.shutdown();
        await app.close();
        await view.close();
        // Closing the provider first aborts its backoff and rate-budget waits, so a pass in
        // flight ends promptly instead of holding the shutdown for a minute.
        const loopStopped = Promise.all([rec.stop(), bootWatcher.stop()]);
        await provider.close();
        await loopStopped;
        await leadership.close();
        await store.close();
      })()),
  };
}

/** Counts by state (count queries, no rows loaded) and the loop's health, for operators. */
async function operatorStatus(
  store: Store,
  reconciler: Reconciler,
  provider: string,
  leadership: Leadership,
): Promise<Record<string, unknown>> {
  const servers: Record<string, number> = {};
  for (const state of SERVER_STATES) {
    const n = await store.countServers([state]);
    if (n > 0) servers[state] = n;
  }
  const sessions: Record<string, number> = {};
  for (const state of ['pending', 'active'] as const) sessions[state] = await store.countSessions([state]);
  return { provider, servers, sessions, reconciler: { ...reconciler.status(), leadership: await leadership.status() } };
}

const QUIET_EVENTS: ReadonlySet<string> = new Set([EventKind.ServerStateChanged]);

/** One log line per event, after commit (never inside a transaction that may run twice). */
function logEvents(log: Logger, events: readonly FleetEvent[]): void {
  for (const e of events) {
    const line = {
      event: e.kind,
      eventId: e.id,
      serverId: e.serverId ?? undefined,
      sessionId: e.sessionId ?? undefined,
      ...e.data,
    };
    if (QUIET_EVENTS.has(e.kind)) log.debug(line, e.kind);
    else if (e.kind === EventKind.OutageGuardOn || e.kind === EventKind.OrphanDeleted) log.warn(line, e.kind);
    else log.info(line, e.kind);
  }
}

/** Longest the start-up waits for the account's droplet limit before serving without it. */
const ACCOUNT_LIMIT_WAIT_MS = 2_000;

/**
 * Clamps MAX_SERVERS to the provider account's own limit, read once before anything is
 * created; when it cannot be read, the refusal hold still stops a create storm.
 */
async function readAccountLimit(provider: Provider, capacity: CapacityGuard, logger: Logger): Promise<void> {
  if (!provider.accountLimit) return;
  try {
    const account = await provider.accountLimit();
    const clamp = account ? capacity.setAccountLimit(account.limit, account.label) : null;
    if (clamp) logger.warn({ accountLimit: account!.limit }, `${clamp}: creates beyond it would be refused`);
  } catch (err) {
    logger.warn(
      { err: (err as Error).message },
      'could not read the account limit; MAX_SERVERS is not checked against it',
    );
  }
}
