import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { CapacityGuard } from './domain/capacity-guard.js';
import { newMasterSecret } from './domain/credentials.js';
import { EXTERNAL_ORIGIN } from './domain/server.js';
import { logEvents } from './events/event-log.js';
import { ServerOps } from './fleet/server-ops.js';
import { CostReporter } from './operator/costs.js';
import { meteredProvider } from './operator/metered-provider.js';
import { Metrics } from './operator/metrics.js';
import { operatorStatus, poolStatus } from './operator/operator-status.js';
import { OperatorView } from './operator/operator-view.js';
import type { Provider } from './providers/provider.js';
import { storeSharedBudget } from './store/shared-budget.js';
import { createProvider } from './providers/registry.js';
import { logForeignServers } from './reconcile/foreign-servers.js';
import { heardWithinMs } from './reconcile/health.js';
import { BootWatcher, Reconciler } from './reconcile/index.js';
import { ReconcileLink } from './reconcile/reconcile-link.js';
import { PoolInForce } from './sessions/pool-settings.js';
import { BootWaits } from './sessions/boot-waits.js';
import { RegionPlacement } from './sessions/placement-offers.js';
import { RegionRefusals } from './sessions/region-refusals.js';
import { sessionUseCases, type SessionUseCases } from './sessions/use-cases.js';
import { capacityHooks, cloudCapacityHooks, readAccountLimitBriefly } from './startup/account-limit.js';
import { createStore } from './store/create-db.js';
import { createLeadership } from './store/create-leadership.js';
import { replicaName, type Leadership } from './store/leadership.js';
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

/**
 * The composition root: the only place that knows the concrete adapters. Parts are made in
 * dependency order and handed what they use; the loop and the parts that ask it for passes
 * (routes, the provider, the boot watcher) meet at a ReconcileLink made before either.
 */
export async function createOrchestrator(
  config: Readonly<Config>,
  o: OrchestratorOverrides = {},
): Promise<Orchestrator> {
  const clock = o.clock ?? systemClock;
  const logger = o.logger ?? createLogger(config);
  const store = await createStore(config.db, logger);
  const credentialSecret =
    config.credentialSecret ?? (await store.setMetaIfAbsent('credential_secret', newMasterSecret()));
  const link = new ReconcileLink();
  const capacity = new CapacityGuard({
    configuredMaxServers: config.lifecycle.maxServers,
    clock,
    refusalHoldMs: config.lifecycle.capacityHoldS * 1000,
  });
  // The pool settings and target in force, read by the reconciler, /v1/pool, /v1/status, the
  // dashboard and /metrics alike: MAX_SERVERS as clamped now, run-time changes, the last forecast.
  const pool = new PoolInForce({
    store,
    configured: () => ({
      poolMinReady: config.lifecycle.poolMinReady,
      poolBuffer: config.lifecycle.poolBuffer,
      maxServers: capacity.maxServers,
    }),
    forecastTarget: (region) => link.forecastTarget(region),
    policy: config.pool.policy,
    regions: config.regions,
    log: logger,
  });
  const bareProvider =
    o.provider ??
    createProvider({
      config,
      clock,
      logger,
      onChange: link.requestPass,
      capacity: capacityHooks(capacity, config, logger),
      capacityFor: (name, regions) => cloudCapacityHooks(capacity, logger, { name, regions, refuse: refuseRegion }),
      // One API budget per cloud for every replica on this database (issue 22 item 4).
      sharedBudgetFor: (name) => storeSharedBudget(store, clock, `api-budget:${name}`),
      regions: config.regions.names,
    });
  // Costs and metrics read prices and telemetry, which the meter passes through unchanged; they
  // are made before it, and every port call is counted into them.
  const costs = new CostReporter({ store, provider: bareProvider, clock }, config.costs);
  const metrics = new Metrics({
    store,
    provider: bareProvider,
    clock,
    regionTargets: () => pool.regionTargets(),
    spend: async () => {
      try {
        const r = await costs.report();
        return { todayUsd: r.todayUsd, totalUsd: r.totalUsd };
      } catch {
        return null; // prices unavailable: the gauge is left out rather than wrong
      }
    },
  });
  // Counters move from the outbox, from the first event this process commits (start-up's included).
  store.onEvents(metrics.onEvents);
  const provider = meteredProvider(bareProvider, metrics.onProviderCall);
  await readAccountLimitBriefly(provider, capacity, logger, clock);
  // Side effects of state changes run after commit, from the outbox: here, the log lines.
  const eventLog = logger.child({ component: 'events' });
  store.onEvents((events) => logEvents(eventLog, events));
  // Placement of /v1 starts (issue 23): what each region offers, regions refusing creates (shared
  // through the store) and the boots this process saw per region.
  const bootWaits = new BootWaits(config.pool.bootEstimateS, config.pool.bootWindowS);
  const placing = config.regions.placement ?? { msPerWaitS: 2, refusalCooldownS: 300 };
  const refusals = new RegionRefusals(placing.refusalCooldownS);
  const placement = new RegionPlacement({
    regions: config.regions,
    maxServers: () => pool.configuredMaxServers(),
    msPerWaitS: placing.msPerWaitS,
    bootWaitS: (region) => bootWaits.waitS(region, clock.now()),
    refusals,
    claimHeardWithinMs: heardWithinMs(config.lifecycle),
  });
  const ops = new ServerOps({
    store,
    provider,
    clock,
    log: logger,
    leaseMs: config.lifecycle.leaseS * 1000,
    credentialSecret,
    orchestratorUrl: config.publicUrl,
    defaultRegion: config.regions.defaultRegion,
    readiness: config.lifecycle.readiness,
    recycleServers: config.lifecycle.recycleServers,
    claimHeardWithinMs: heardWithinMs(config.lifecycle),
    onBooted: (region, seconds, atMs) => bootWaits.record(region, seconds, atMs),
    onRegionRefused: refuseRegion,
  });
  /** A region refusing creates: skipped a while (every replica), its waiting sessions re-placed or ended. */
  async function refuseRegion(region: string): Promise<void> {
    await store.transaction((tx) => refusals.record(tx, region, clock.now()));
    await sessions.replacer?.replaceIn(region);
  }
  const sessions = sessionUseCases(
    { store, ops, clock, log: logger, reconcileSoon: link.requestPass },
    {
      startTimeoutS: config.lifecycle.startTimeoutS,
      startPollMs: config.lifecycle.startPollMs,
      idempotencyTtlS: config.lifecycle.idempotencyTtlS,
      capacityNote: async () => capacity.reason(await store.countMachines()),
      sharedKeyDrivesManaged: config.guard.sharedKeyDrivesManaged,
      loopbackServers: config.provider === 'local',
      pool,
      // Seat tokens are keyed by what the server signs its requests with (domain/seat-token.ts).
      seats: {
        ...config.seats,
        serverKey: (s) => (s.origin === EXTERNAL_ORIGIN ? config.hmac.key : ops.credentialFor(s.id)),
      },
      lobbies: { ...config.lobbies, observer: metrics.lobbies },
      placement,
    },
  );
  const leadership = createLeadership(config.db, {
    replica: replicaName(),
    clock,
    log: logger.child({ component: 'leadership' }),
  });
  await logForeignServers(store, provider.name, logger);
  const reconciler = new Reconciler({
    store,
    provider,
    ops,
    clock,
    log: logger.child({ component: 'reconciler' }),
    // Pending sessions get servers in their own region, under its cap (issue 23).
    settings: { ...config.lifecycle, regions: config.regions },
    refusingRegions: async (nowMs) => new Set((await refusals.refusing(store, nowMs)).keys()),
    events: { retentionMs: config.events.retentionS * 1000, maxRows: config.events.maxRows },
    sessionsRetentionMs: config.events.sessionsRetentionS * 1000,
    // Then seats not taken up, or left past the grace, are freed (joins free them too when full).
    beforePass: async () => {
      await sessions.waits.resolveAbandoned();
      await sessions.seats.sweep();
    },
    // The pool settings in force (run-time changes, MAX_SERVERS as clamped now), read every pass.
    settingsNow: async (configured) => ({ ...configured, ...(await pool.settings()) }),
    // Each region's pool in force (REGION_POOL_*, REGION_MAX_SERVERS, run-time changes), read every pass.
    regionPools: async () => ({ defaultRegion: config.regions.defaultRegion, pools: await pool.regionPools() }),
    onPass: metrics.onPass,
    leadership,
    link,
    pool: config.pool,
  });
  // What a dead process left waiting is resolved before the first request: its pending
  // sessions end (abandoned); its creates are adopted or dropped by the first pass.
  await sessions.waits.resolveAbandoned(true);
  const view = new OperatorView({
    config,
    store,
    clock,
    logger,
    provider,
    metrics,
    costs,
    pool,
    reconcilerStatus: () => reconciler.status(),
  });
  const app = await buildApp({
    config,
    sessions,
    store,
    clock,
    credentialFor: (id) => ops.credentialFor(id),
    logger: logger.child({ component: 'http' }),
    onConnectionRefused: metrics.connectionRefused,
    status: async () => ({
      ...(await operatorStatus(store, reconciler, provider.name, leadership)),
      capacity: capacity.status(),
      pool: poolStatus(await pool.target(), await pool.regionTargets()),
      ...(await view.status()),
    }),
    plugins: [view.plugin, ...(o.plugins ?? [])],
  });
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
    maxServers: () => capacity.maxServers,
    reconcileSoon: link.requestPass,
    // One replica watches the cloud (the API budget is per account), the one that reconciles.
    leads: () => leadership.holds(),
  });
  if (o.reconcile !== false) {
    reconciler.start();
    bootWatcher.start();
  }
  let closed: Promise<void> | null = null;
  return {
    app,
    store,
    provider,
    sessions,
    reconciler,
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
        const loopStopped = Promise.all([reconciler.stop(), bootWatcher.stop()]);
        await provider.close();
        await loopStopped;
        await leadership.close();
        await store.close();
      })()),
  };
}
