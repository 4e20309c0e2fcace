import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
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
import { CapacityGuard } from './domain/capacity-guard.js';
import { LIVE_SERVER_STATES } from './domain/server.js';
import { createStore } from './store/create-db.js';
import type { Store } from './store/store.js';
import { systemClock, type Clock } from './util/clock.js';
import { createLogger } from './util/create-logger.js';

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
  const logger = o.logger ?? createLogger(config);
  const store = await createStore(config.db, logger);
  const credentialSecret = config.credentialSecret ?? (await store.setMetaIfAbsent('credential_secret', newMasterSecret()));
  const waiter = new SessionWaiter();
  let reconciler: Reconciler | null = null;
  const reconcileSoon = () => reconciler?.trigger();
  const capacity = new CapacityGuard({ configuredMaxServers: config.lifecycle.maxServers, clock, refusalHoldMs: config.lifecycle.capacityHoldS * 1000 });
  const onLimitRefused = (message: string) => {
    capacity.noteRefused(message);
    logger.warn({ err: message, holdS: config.lifecycle.capacityHoldS }, 'the provider account is full: no create is tried for a while');
  };
  const capacityHooks = { onLimitRefused, onDropletGone: () => capacity.noteFreed() };
  const provider = o.provider ?? makeProvider(config, clock, logger, reconcileSoon, capacityHooks);
  await readAccountLimit(provider, capacity, logger);
  // The cap is read on every use (a getter), so the account's limit and a refusal hold count at once.
  const lifecycle = { ...config.lifecycle, get maxServers() { return capacity.maxServers; } };
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
    get maxServers() { return capacity.maxServers; },
    idempotencyTtlS: config.lifecycle.idempotencyTtlS,
    capacityNote: async () => capacity.reason(await countLiveMade(store)),
  }, reconcileSoon);
  reconciler = new Reconciler({ store, provider, ops, clock, log: logger.child({ component: 'reconciler' }), settings: lifecycle });
  const app = await buildApp({
    config,
    service,
    store,
    clock,
    credentialFor: (id) => ops.credentialFor(id),
    logger: logger.child({ component: 'http' }),
    status: async () => ({ ...(await operatorStatus(store, reconciler!, provider.name)), capacity: capacity.status() }),
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

/** Live machines we made (external servers are not ours to count against the cap). */
async function countLiveMade(store: Store): Promise<number> {
  return (await store.listServers(LIVE_SERVER_STATES)).filter((s) => s.origin !== 'external').length;
}

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
    logger.warn({ err: (err as Error).message }, 'could not read the account limit; MAX_SERVERS is not checked against it');
  }
}

interface CapacityHooks {
  onLimitRefused: (message: string) => void;
  onDropletGone: () => void;
}

function makeProvider(config: Readonly<Config>, clock: Clock, logger: Logger, onChange: () => void, hooks: CapacityHooks): Provider {
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
      ...hooks,
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
