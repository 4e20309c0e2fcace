import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { EventTail } from '../events/event-tail.js';
import { SseHub } from '../events/sse-hub.js';
import { adminAuthorizer, bearerToken, dashboardSignIns } from '../http/admin-auth.js';
import { RateLimiter } from '../http/rate-limiter.js';
import { eventRoutes } from '../http/event-routes.js';
import { healthRoutes } from '../http/health-routes.js';
import type { Provider } from '../providers/provider.js';
import type { Store } from '../store/store.js';
import { safeEqual } from '../domain/hmac.js';
import { OrchestratorError } from '../domain/errors.js';
import type { Metrics } from './metrics.js';
import type { PoolInForce } from '../sessions/pool-settings.js';
import { billingRuleOf } from '../providers/registry.js';
import { machineCostUsd } from './billing.js';

const round4 = (usd: number) => Math.round(usd * 10_000) / 10_000;
import type { CostReporter } from './costs.js';
import { costRoutes } from '../http/cost-routes.js';
import { dashboardRoutes } from '../http/dashboard-routes.js';
import type { DashboardSnapshot } from '../http/dashboard-schemas.js';
import { eventJson } from '../events/event-json.js';
import { LIVE_SERVER_STATES, ServerState, type Server } from '../domain/server.js';
import type { Clock } from '../util/clock.js';
import { WebhookDeliverer, type DeliveryOutcome } from '../webhooks/webhook-deliverer.js';

export interface OperatorViewDeps {
  config: Readonly<Config>;
  store: Store;
  clock: Clock;
  logger: Logger;
  /** The provider as the rest of the service uses it (metered: see meteredProvider). */
  provider: Provider;
  /** Made before the provider is metered (the meter counts into them). */
  metrics: Metrics;
  costs: CostReporter;
  /** The pool target and settings in force, the one the reconciler plans with. */
  pool: Pick<PoolInForce, 'target' | 'regionTargets'>;
  /** The reconcile loop's status, for the dashboard. */
  reconcilerStatus: () => unknown;
}

/**
 * What operators see beyond /v1/status (issue 10): the event stream and page, webhooks. Built
 * by the composition root; its routes go into buildApp's plugins, start() runs after the
 * app is built, close() after the HTTP server has stopped.
 */
export class OperatorView {
  readonly tail: EventTail;
  readonly sse: SseHub;
  readonly webhooks: WebhookDeliverer | null;
  readonly metrics: Metrics;
  readonly costs: CostReporter;

  /** Listeners of webhook outcomes (metrics). */
  private readonly outcomeListeners: ((o: DeliveryOutcome, kind: string) => void)[] = [];

  constructor(private readonly d: OperatorViewDeps) {
    const { config, store, clock, logger } = d;
    const log = logger.child({ component: 'operator-view' });
    this.tail = new EventTail(store, clock, config.events.pollMs, (err) =>
      log.warn({ err: (err as Error).message }, 'event tail'),
    );
    this.sse = new SseHub(
      { events: store, tail: this.tail, clock },
      { heartbeatMs: config.events.sseHeartbeatMs, maxBufferBytes: config.events.sseMaxBufferBytes },
    );
    this.costs = d.costs;
    this.metrics = d.metrics;
    this.outcomeListeners.push((o) => this.metrics.onWebhook(o));
    const wh = config.webhooks;
    this.webhooks =
      wh.urls.length > 0 && wh.secret
        ? new WebhookDeliverer(
            { ...wh, secret: wh.secret, pollMs: config.events.pollMs },
            {
              ledger: store.webhooks(),
              events: store,
              tail: this.tail,
              clock,
              owner: randomUUID(),
              log: logger.child({ component: 'webhooks' }),
              onOutcome: (o, kind) => {
                for (const l of this.outcomeListeners) l(o, kind);
              },
            },
          )
        : null;
  }

  onWebhookOutcome(listener: (o: DeliveryOutcome, kind: string) => void): void {
    this.outcomeListeners.push(listener);
  }

  /** Routes for buildApp's plugins. */
  plugin = async (app: FastifyInstance): Promise<void> => {
    // Wrong operator tokens counted per address, in the store (shared with the API's routes).
    const throttle = new RateLimiter(this.d.store, this.d.clock, {
      startsPerMinute: 0,
      failedJoinsPerMinute: 0,
      operatorAuthFailuresPerMinute: this.d.config.limits.operatorAuthFailuresPerMinutePerAddress,
    }).operatorAuth;
    const signIns = dashboardSignIns(this.d.store);
    const authorize = adminAuthorizer(this.d.config.adminToken, () => this.d.clock.now(), signIns, throttle);
    // Streams end before Fastify waits for connections to close, so a shutdown is not held open.
    app.addHook('preClose', async () => this.sse.close());
    const metricsToken = this.d.config.metricsToken;
    await app.register(healthRoutes, {
      timeoutMs: this.d.config.readyzTimeoutMs,
      checks: {
        // The newest migration's table answering proves the database is reachable and migrated.
        database: async () => {
          await this.d.store.webhooks().listTargets();
          return null;
        },
        // The leader's reconciler lists the provider every pass; its last answer says whether it
        // is reachable. A follower lists nothing (it does not act), so its readiness is its
        // database and its own ability to serve: a load balancer probing /readyz must not send
        // everything to the leader (issue 22 item 3).
        provider: async () => {
          const last = this.metrics.lastPassResult;
          return last?.leader && !last.listed ? 'the last reconcile pass could not list the provider' : null;
        },
      },
      metrics: this.metrics,
      metricsToken,
      authorizeMetrics: async (req) => {
        if (!metricsToken || !safeEqual(bearerToken(req) ?? '', metricsToken)) {
          throw new OrchestratorError('unauthorized', 'A valid metrics token is required.');
        }
      },
    });
    await app.register(dashboardRoutes, {
      adminToken: this.d.config.adminToken,
      nowMs: () => this.d.clock.now(),
      sessionTtlMs: this.d.config.dashboardSessionS * 1000,
      secureCookies: this.d.config.tls !== null || this.d.config.enforceHttps,
      authorize,
      signIns,
      throttle,
      snapshot: () => this.snapshot(),
    });
    await app.register(costRoutes, { authorize, report: () => this.costs.report() });
    await app.register(eventRoutes, {
      authorize,
      events: this.d.store,
      tail: this.tail,
      sse: this.sse,
      webhooks: {
        status: async () => (this.webhooks ? this.webhooks.status() : []),
        deadLetters: (limit) => this.d.store.webhooks().listDeadLetters(limit),
      },
    });
  };

  /** Added to GET /v1/status. */
  async status(): Promise<Record<string, unknown>> {
    return {
      events: { lastId: this.tail.headId, streams: this.sse.size },
      webhooks: this.webhooks ? await this.webhooks.status() : [],
      costs: await this.costs.report().then(
        (r) => ({
          currency: r.currency,
          todayUsd: r.todayUsd,
          totalUsd: r.totalUsd,
          size: r.size,
          hourlyUsd: r.hourlyUsd,
        }),
        () => ({ error: 'prices unavailable' }),
      ),
    };
  }

  /** What the dashboard shows, in one read; its stream resumes after `lastEventId`. */
  async snapshot(): Promise<DashboardSnapshot> {
    const { store, clock } = this.d;
    // The cursor is read first: whatever commits during the reads below arrives on the stream.
    const lastEventId = await store.lastEventId();
    const servers = await store.listServers(LIVE_SERVER_STATES);
    const sessions = await store.listSessions(['pending', 'active']);
    const seatCounts = await store.liveSeatCounts();
    const costs = await this.costs.report().catch(() => null);
    // Costs so far, priced now (the report itself may be a few seconds old).
    const now = clock.now();
    const serverUsd = (s: Server) =>
      costs
        ? round4(machineCostUsd(billingRuleOf(s.origin), this.costs.priceOf(s), (now - s.createdAtMs) / 1000))
        : null;
    const byId = new Map(servers.map((s) => [s.id, s]));
    const pending = sessions.filter((x) => x.state === 'pending');
    const pool = await this.d.pool.target(pending.length);
    const regionPools = await this.d.pool.regionTargets(countBy(pending.map((x) => x.region)));
    const idleIn = (r: string) =>
      servers.filter((s) => s.region === r && s.state === ServerState.Ready && s.players === 0);
    const comingIn = (r: string) =>
      servers.filter((s) => s.region === r && (s.state === ServerState.Creating || s.state === ServerState.Starting));
    return {
      nowMs: now,
      lastEventId,
      servers: servers
        .sort((a, b) => b.createdAtMs - a.createdAtMs)
        .map((s) => ({
          id: s.id,
          state: s.state,
          origin: s.origin,
          region: s.region,
          ip: s.ip,
          port: s.port,
          players: s.players,
          createdAtMs: s.createdAtMs,
          lastHeartbeatAtMs: s.lastHeartbeatAtMs,
          usd: serverUsd(s),
        })),
      sessions: sessions
        .sort((a, b) => b.createdAtMs - a.createdAtMs)
        .map((x) => {
          const server = x.serverId ? byId.get(x.serverId) : undefined;
          const heldH = x.activatedAtMs !== null ? (now - x.activatedAtMs) / 3_600_000 : 0;
          const usd = costs ? round4(server ? heldH * this.costs.priceOf(server) : 0) : null;
          return {
            id: x.id,
            code: x.code,
            state: x.state,
            region: x.region,
            createdAtMs: x.createdAtMs,
            players: server?.players ?? 0,
            // Seats (issue 24): taken (connected), reserved (not yet), left (within the grace), of max_players.
            seats: seatCounts.get(x.id) ?? { maxPlayers: null, reserved: 0, taken: 0, left: 0 },
            serverIp: server?.ip ?? null,
            usd,
          };
        }),
      pool: {
        idle: servers.filter((s) => s.state === ServerState.Ready && s.players === 0).length,
        coming: servers.filter((s) => s.state === ServerState.Creating || s.state === ServerState.Starting).length,
        target: pool.target,
        minReady: pool.poolMinReady,
        buffer: pool.poolBuffer,
        maxServers: pool.maxServers,
        // Each region's pool (the fields above: all regions' servers, the default region's settings).
        regions: regionPools.map((p) => ({
          region: p.region,
          idle: idleIn(p.region).length,
          coming: comingIn(p.region).length,
          target: p.target,
          minReady: p.poolMinReady,
          buffer: p.poolBuffer,
          maxServers: p.maxServers,
        })),
      },
      reconciler: this.d.reconcilerStatus(),
      costs: costs && {
        todayUsd: costs.todayUsd,
        totalUsd: costs.totalUsd,
        hourlyUsd: costs.hourlyUsd,
        size: costs.size,
        days: costs.days,
        last24h: costs.last24h,
      },
      recentEvents: (await store.recentEvents(lastEventId, 30)).map(eventJson),
    };
  }

  async start(): Promise<void> {
    await this.tail.start();
    await this.webhooks?.start();
  }

  async close(): Promise<void> {
    this.sse.close();
    await this.webhooks?.close();
    await this.tail.stop();
  }
}

function countBy(keys: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) out[k] = (out[k] ?? 0) + 1;
  return out;
}
