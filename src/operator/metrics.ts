import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { SeatMetrics } from './seat-metrics.js';
import { LobbyMetrics } from './lobby-metrics.js';
import { EventKind, type FleetEvent } from '../domain/events.js';
import { ServerState } from '../domain/server.js';
import type { Provider } from '../providers/provider.js';
import type { PassResult } from '../reconcile/reconciler.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { DeliveryOutcome } from '../webhooks/webhook-deliverer.js';
import type { ProviderCallOutcome } from './metered-provider.js';
import { fleetGauges, type FleetGaugeDeps } from './fleet-gauges.js';

export interface MetricsDeps {
  store: Store;
  provider: Provider;
  clock: Clock;
  /** Each region's pool target and cap in force (PoolInForce.regionTargets: the ones the reconciler plans with). */
  regionTargets: FleetGaugeDeps['regionTargets'];
  /** Spend so far (US dollars): today (UTC) and since records began; null when unknown. */
  spend: () => Promise<{ todayUsd: number; totalUsd: number } | null>;
}

/**
 * Prometheus metrics (prom-client, its own registry per orchestrator). Counters move from
 * the outbox, after commit, for the events this process committed (sum them across
 * replicas); gauges are read from the store and the provider at scrape time, so every
 * replica reports the same fleet.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly sessionsStarted: Counter<'start'>;
  private readonly sessionsEnded: Counter<'reason'>;
  private readonly startLatency: Histogram<'start'>;
  private readonly orphans: Counter<'action'>;
  private readonly serverTransitions: Counter<'to'>;
  private readonly providerCalls: Counter<'provider' | 'operation' | 'outcome'>;
  private readonly providerCallSeconds: Histogram<'provider' | 'operation'>;
  private readonly passDuration: Histogram<'outcome'>;
  private readonly passActions: Counter<'action'>;
  private readonly passSkipped: Counter;
  private readonly passFailed: Counter;
  private readonly webhookDeliveries: Counter<'outcome'>;
  private readonly connectionsRefused: Counter<'cap'>;
  private readonly seats: SeatMetrics;
  /** Lobby listings and quick joins (the lobby routes count them). */
  readonly lobbies: LobbyMetrics;
  private lastPass: PassResult | null = null;

  constructor(private readonly d: MetricsDeps) {
    const r = this.registry;
    const p = 'orchestrator_';
    this.sessionsStarted = new Counter({
      name: `${p}sessions_started_total`,
      help: 'Sessions started, by warm (a ready server claimed) or cold (a new server needed).',
      labelNames: ['start'],
      registers: [r],
    });
    this.sessionsEnded = new Counter({
      name: `${p}sessions_ended_total`,
      help: 'Sessions ended, by reason (outcome).',
      labelNames: ['reason'],
      registers: [r],
    });
    this.startLatency = new Histogram({
      name: `${p}session_start_seconds`,
      help: 'Time from a session being asked for to its server being assigned, warm or cold.',
      labelNames: ['start'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300],
      registers: [r],
    });
    this.orphans = new Counter({
      name: `${p}orphans_total`,
      help: 'Machines found without a live row: adopted or deleted.',
      labelNames: ['action'],
      registers: [r],
    });
    this.serverTransitions = new Counter({
      name: `${p}server_transitions_total`,
      help: 'Server state changes, by the state entered.',
      labelNames: ['to'],
      registers: [r],
    });
    this.providerCalls = new Counter({
      name: `${p}provider_calls_total`,
      help: 'Provider port calls by operation and outcome (ok, error, ambiguous).',
      labelNames: ['provider', 'operation', 'outcome'],
      registers: [r],
    });
    this.providerCallSeconds = new Histogram({
      name: `${p}provider_call_seconds`,
      help: 'Provider port call duration.',
      labelNames: ['provider', 'operation'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [r],
    });
    this.passDuration = new Histogram({
      name: `${p}reconcile_pass_seconds`,
      help: 'Reconcile pass duration, by outcome.',
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [r],
    });
    this.passActions = new Counter({
      name: `${p}reconcile_actions_total`,
      help: 'Reconcile actions that took effect, by kind.',
      labelNames: ['action'],
      registers: [r],
    });
    this.passSkipped = new Counter({
      name: `${p}reconcile_actions_skipped_total`,
      help: 'Reconcile actions found already done or no longer due.',
      registers: [r],
    });
    this.passFailed = new Counter({
      name: `${p}reconcile_actions_failed_total`,
      help: 'Reconcile actions that failed (retried next pass).',
      registers: [r],
    });
    this.connectionsRefused = new Counter({
      name: `${p}connections_refused_total`,
      help: 'Connections closed unread because a cap was reached (MAX_CONNECTIONS, MAX_CONNECTIONS_PER_ADDRESS), in this process.',
      labelNames: ['cap'],
      registers: [r],
    });
    this.webhookDeliveries = new Counter({
      name: `${p}webhook_deliveries_total`,
      help: 'Webhook delivery attempts: delivered, failed (to be retried), dead (dead-lettered).',
      labelNames: ['outcome'],
      registers: [r],
    });
    this.seats = new SeatMetrics(r, p);
    this.lobbies = new LobbyMetrics(r, p);
    this.scrapeGauges();
  }

  /** Outbox listener (after commit). */
  onEvents = (events: readonly FleetEvent[]): void => {
    const now = this.d.clock.now();
    for (const e of events) {
      this.seats.onEvent(e);
      switch (e.kind) {
        case EventKind.SessionStarted: {
          const start = e.data.coldStart ? 'cold' : 'warm';
          this.sessionsStarted.inc({ start });
          // A warm start has its server at once: the latency is the claim's commit.
          if (e.data.state === 'active') this.startLatency.observe({ start }, Math.max(0, now - e.atMs) / 1000);
          break;
        }
        case EventKind.SessionAssigned:
          this.startLatency.observe({ start: 'cold' }, Math.max(0, Number(e.data.waitedMs ?? 0)) / 1000);
          break;
        case EventKind.SessionEnded:
          this.sessionsEnded.inc({ reason: String(e.data.reason ?? 'unknown') });
          break;
        case EventKind.OrphanAdopted:
          this.orphans.inc({ action: 'adopted' });
          break;
        case EventKind.OrphanDeleted:
          this.orphans.inc({ action: 'deleted' });
          break;
        case EventKind.ServerStateChanged:
        case EventKind.ServerDeleted:
          this.serverTransitions.inc({ to: String(e.data.to ?? ServerState.Deleted) });
          break;
        default:
          break;
      }
    }
  };

  /** A connection refused by a cap (app.ts's connection guard). */
  connectionRefused = (cap: string): void => {
    this.connectionsRefused.inc({ cap });
  };

  onProviderCall = (operation: string, outcome: ProviderCallOutcome, seconds: number): void => {
    const provider = this.d.provider.name;
    this.providerCalls.inc({ provider, operation, outcome });
    this.providerCallSeconds.observe({ provider, operation }, seconds);
  };

  onPass = (r: PassResult): void => {
    this.lastPass = r;
    this.passDuration.observe({ outcome: r.error ? 'error' : 'ok' }, r.durationMs / 1000);
    for (const [action, n] of Object.entries(r.applied.done)) if (n) this.passActions.inc({ action }, n);
    if (r.applied.skipped) this.passSkipped.inc(r.applied.skipped);
    if (r.applied.failed) this.passFailed.inc(r.applied.failed);
  };

  onWebhook = (outcome: DeliveryOutcome): void => {
    this.webhookDeliveries.inc({ outcome });
  };

  /** The last pass this process ran (readiness reads whether it could list). */
  get lastPassResult(): PassResult | null {
    return this.lastPass;
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Gauges filled at scrape time from the store and the provider. */
  private scrapeGauges(): void {
    const { store, provider, clock } = this.d;
    const r = this.registry;
    const p = 'orchestrator_';
    fleetGauges(r, { store, regionTargets: this.d.regionTargets }, p);
    new Gauge({
      name: `${p}sessions`,
      help: 'Live sessions by state.',
      labelNames: ['state'],
      registers: [r],
      async collect() {
        for (const state of ['pending', 'active'] as const) this.set({ state }, await store.countSessions([state]));
      },
    });
    new Gauge({
      name: `${p}heartbeat_age_seconds`,
      help: 'Seconds since the last heartbeat of ready and allocated servers: the oldest (max) and the median.',
      labelNames: ['stat'],
      registers: [r],
      async collect() {
        const now = clock.now();
        const ages = (await store.listServers([ServerState.Ready, ServerState.Allocated]))
          .map((s) => (now - (s.lastHeartbeatAtMs ?? s.stateChangedAtMs ?? now)) / 1000)
          .sort((a, b) => a - b);
        this.set({ stat: 'max' }, ages.length ? ages[ages.length - 1]! : 0);
        this.set({ stat: 'median' }, ages.length ? ages[Math.floor(ages.length / 2)]! : 0);
      },
    });
    new Gauge({
      name: `${p}provider_rate_budget_remaining`,
      help: "Requests left in the provider API's rate windows (hour, minute).",
      labelNames: ['window'],
      registers: [r],
      collect() {
        const b = provider.telemetry?.().rateBudget;
        if (!b) return;
        this.set({ window: 'hour' }, b.remainingHour);
        this.set({ window: 'minute' }, b.remainingMinute);
      },
    });
    new Counter({
      name: `${p}provider_http_requests_total`,
      help: "Requests sent to the provider's HTTP API, by route and outcome (2xx, 4xx, 429, 5xx, timeout, network).",
      labelNames: ['route', 'outcome'],
      registers: [r],
      collect() {
        // The client keeps the running totals; copy them in at scrape time.
        this.reset();
        for (const c of provider.telemetry?.().calls ?? []) this.inc({ route: c.route, outcome: c.outcome }, c.count);
      },
    });
    const spend = this.d.spend;
    new Gauge({
      name: `${p}spend_usd`,
      help: 'Money spent on machines (US dollars, from provider hourly prices and billed lifetimes): today (UTC) and in all recorded history.',
      labelNames: ['period'],
      registers: [r],
      async collect() {
        const s = await spend();
        if (!s) return;
        this.set({ period: 'today' }, s.todayUsd);
        this.set({ period: 'total' }, s.totalUsd);
      },
    });
  }
}
