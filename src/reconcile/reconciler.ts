import type { PoolPolicySettings } from './pool-policy-config.js';
import { LIVE_SERVER_STATES } from '../domain/server.js';
import { SessionState } from '../domain/session.js';
import type { Machine } from '../providers/provider.js';
import { applyProviderSteps } from './apply-provider-steps.js';
import { applyStateSteps } from './apply-state-steps.js';
import { BootTimes } from './boot-times.js';
import type { DemandForecast } from './demand-forecast.js';
import { ApplyTally, type ApplyDeps, type ApplyReport } from './apply-tally.js';
import { computePlanYielding } from './plan.js';
import { loadDemand } from './demand-load.js';
import { PassEvents, targetsEvent } from './pass-events.js';
import type { ReconcileLink } from './reconcile-link.js';
import { letEventLoopRun, TimeSlice } from '../util/time-slice.js';
import type { Leadership } from '../store/leadership.js';
import { PassScheduler } from './pass-scheduler.js';
import { planCounts, type OutageInfo, type PlanCounts, type PoolPass, type ReconcilerStatus } from './types.js';
import type { RegionPoolsInput } from './region-plan.js';

export interface ReconcilerDeps extends ApplyDeps {
  /** Called after every pass (metrics, tests). */
  onPass?: (r: PassResult) => void;
  /** Least time from one pass's start to a pass asked for by trigger(); default 1000 ms. */
  minTriggerGapMs?: number;
  /** Runs first in every pass (store-only work of other parts, e.g. ending abandoned starts). */
  beforePass?: () => Promise<unknown>;
  /** The outbox's retention, pruned a bounded batch per pass (default 7 days, 100,000 rows). */
  events?: { retentionMs: number; maxRows: number };
  /** How long ended sessions are kept, pruned a bounded batch per pass (default 7 days). */
  sessionsRetentionMs?: number;
  /**
   * Read at the start of every pass: the settings with what operators changed at run time
   * (kept in the store, so every replica sees them). Default: `settings` as configured.
   */
  settingsNow?: (configured: ApplyDeps['settings']) => Promise<ApplyDeps['settings']>;
  /** Requests for a pass and the forecast reported to the views (see reconcile-link.ts). */
  link?: ReconcileLink;
  /** Who may act (see store/leadership.ts); absent: this process always does. */
  leadership?: Leadership;
  /** The warm-pool policy (absent: fixed, from settings.poolMinReady/poolBuffer). */
  pool?: Readonly<PoolPolicySettings>;
  /** When this process started (default: when the Reconciler is made). */
  processStartedAtMs?: number;
  /** The fleet's regions and each one's pool in force, read every pass (absent: one pool, from the settings). */
  regionPools?: () => Promise<RegionPoolsInput>;
}

/** Most events one pass prunes: bounded work per pass, the rest next time. */
const EVENT_PRUNE_BATCH = 5_000;
/** Most ended sessions one pass prunes (each up to 4 KB of metadata): a few ms of work. */
const SESSION_PRUNE_BATCH = 1_000;

/** What one pass saw, planned and did. */
export interface PassResult {
  startedAtMs: number;
  /** By the injected clock (0 under a fake clock that is not stepped). */
  durationMs: number;
  /** Whether provider.list() answered; when not, nothing that depends on it was planned. */
  listed: boolean;
  machines: number | null;
  planned: PlanCounts | null;
  applied: ApplyReport;
  /** A per-pass cap held something back: the loop runs again at once. */
  partial: boolean;
  outage: OutageInfo | null;
  /** list() failing, or the pass failing as a whole (the store unreachable). */
  error: string | null;
  /** False: another replica leads, and this pass looked at nothing and did nothing. */
  leader: boolean;
  /** The warm pool's target this pass, in all and per region (absent when nothing was listed or planned). */
  pool?: PoolPass;
}

/**
 * The control loop (level-triggered, like a Kubernetes controller): each pass lists the
 * provider once, loads the store once, plans with the pure computePlan and applies the plan
 * with conditional transitions. Passes never overlap and never throw out of the loop.
 */
export class Reconciler {
  private readonly scheduler: PassScheduler<PassResult>;
  private passes = 0;
  private lastPassAtMs: number | null = null;
  private lastError: string | null = null;
  private outage: OutageInfo | null = null;
  private lastPlan: PlanCounts | null = null;
  private lastForecast: DemandForecast | null = null;
  private lastForecasts: Readonly<Record<string, DemandForecast>> | null = null;
  private readonly bootTimes = new BootTimes();
  private readonly events: PassEvents;
  /** Servers silent since before this are no evidence of our own outage (see health.ts). */
  private readonly startedAtMs: number;

  constructor(private readonly deps: ReconcilerDeps) {
    this.startedAtMs = deps.processStartedAtMs ?? deps.clock.now();
    this.scheduler = new PassScheduler({
      clock: deps.clock,
      intervalMs: deps.settings.reconcileIntervalS * 1000,
      minTriggerGapMs: deps.minTriggerGapMs ?? 1000,
      pass: () => this.pass(),
      again: (r) => r.partial && Object.values(r.applied.done).some((n) => n > 0),
    });
    this.events = new PassEvents(deps);
    deps.link?.onPassRequested(() => this.trigger());
  }

  /** Runs a pass at once, then one every reconcileIntervalS (and sooner when triggered or capped). */
  start(): void {
    this.scheduler.start();
  }

  /** Stops the loop; resolves once a running pass has finished. */
  stop(): Promise<void> {
    return this.scheduler.stop();
  }

  /** Asks for a pass soon; many asks before it starts make one pass. A no-op when not started. */
  trigger(): void {
    this.scheduler.trigger();
  }

  /** One pass now; a call while a pass runs waits for it, then all such calls share one more pass. */
  runPass(): Promise<PassResult> {
    return this.scheduler.runPass();
  }

  status(): ReconcilerStatus {
    return {
      lastPassAtMs: this.lastPassAtMs,
      lastError: this.lastError,
      outage: this.outage ? { paused: true, reason: this.outage.reason } : null,
      passes: this.passes,
      lastPlan: this.lastPlan,
      pool: { policy: this.deps.pool?.policy ?? 'fixed', forecast: this.lastForecast, forecasts: this.lastForecasts },
    };
  }

  private async pass(): Promise<PassResult> {
    const { clock, log } = this.deps;
    const startedAtMs = clock.now();
    const tally = new ApplyTally(log);
    let result: Omit<PassResult, 'startedAtMs' | 'durationMs' | 'applied'>;
    const leads = this.deps.leadership ? await this.deps.leadership.acquire() : true;
    if (this.deps.leadership && this.events.leadChanged(leads))
      await this.events.recordLeadership(this.deps.leadership, leads);
    if (!leads) {
      const r: PassResult = {
        listed: false,
        machines: null,
        planned: null,
        partial: false,
        outage: this.outage,
        error: null,
        leader: false,
        startedAtMs,
        durationMs: 0,
        applied: tally.report,
      };
      this.record(r);
      return r;
    }
    try {
      result = await this.planAndApply(tally);
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      log.error({ err: error }, 'reconcile pass failed');
      result = {
        listed: false,
        machines: null,
        planned: null,
        partial: false,
        outage: this.outage,
        error,
        leader: true,
      };
    }
    const r: PassResult = { ...result, startedAtMs, durationMs: clock.now() - startedAtMs, applied: tally.report };
    this.record(r);
    return r;
  }

  private async planAndApply(tally: ApplyTally): Promise<Omit<PassResult, 'startedAtMs' | 'durationMs' | 'applied'>> {
    // Starts whose waiting request died with another replica end first, so the plan sees them ended.
    await this.deps.beforePass?.();
    const configured = this.deps.settingsNow ? await this.deps.settingsNow(this.deps.settings) : this.deps.settings;
    const settings = { ...configured, processStartedAtMs: this.startedAtMs };
    const regions = await this.deps.regionPools?.();
    const caps = new Map(regions?.pools.map((p) => [p.region, p.maxServers]));
    const regionCap = regions ? (r: string) => caps.get(r) ?? settings.maxServers : undefined;
    const deps = { ...this.deps, settings, ...(regionCap ? { regionCap } : {}) };
    const { store, provider, clock, log } = deps;
    // The store first, the listing second: a machine listed then was made for a row already
    // loaded or newer (its orphan grace, and an ownership re-check, protect it), while a row
    // loaded first whose machine is missing from the later listing really lost it. The plan
    // judges the rows at the time they were read: a listing that took longer than a lease
    // must not make a lease renewed meanwhile look run out (the appliers re-check at their time).
    const snapshotAtMs = clock.now();
    const servers = await store.listServers(LIVE_SERVER_STATES);
    const sessions = await store.listSessions([SessionState.Pending, SessionState.Active]);
    let machines: Machine[] | null = null;
    let error: string | null = null;
    try {
      machines = await provider.list();
    } catch (err) {
      error = `provider list failed: ${err instanceof Error ? err.message : String(err)}`;
      log.warn({ err: error }, 'provider list failed; skipping what depends on it this pass');
    }
    // One slice for the work between the listings and the plan, begun on a turn of its own (the
    // last page of a listing was read on this one): a fresh slice per step would let each run a
    // full slice back to back (loadDemand's 10,000 rows, then the plan's).
    await letEventLoopRun();
    const slice = new TimeSlice();
    const demand = await loadDemand(
      { ...deps, bootTimes: this.bootTimes },
      settings,
      servers,
      clock.now(),
      slice,
      regions,
    );
    const plan = await computePlanYielding(
      {
        nowMs: snapshotAtMs,
        provider,
        machines,
        servers,
        sessions,
        settings,
        demand,
        ...(regions ? { regions } : {}),
        billing: deps.pool?.billing ?? null,
        unconfirmedTeardowns: deps.ops.unconfirmedTeardowns(),
        self: deps.ops.instanceId,
      },
      slice,
    );
    this.lastForecast = plan.forecast;
    this.lastForecasts = plan.forecasts;
    this.deps.link?.noteForecast(
      plan.forecasts ? Object.fromEntries(Object.entries(plan.forecasts).map(([r, f]) => [r, f.target])) : null,
    );
    await this.events.recordGuardAndTargets(plan.outage, targetsEvent(plan.pool, settings));
    this.stillLeading();
    await applyStateSteps(deps, plan, tally);
    this.stillLeading();
    await applyProviderSteps(deps, plan, tally);
    await store.purgeExpired(clock.now());
    const retention = this.deps.events ?? { retentionMs: 7 * 86_400_000, maxRows: 100_000 };
    await store.pruneEvents(clock.now() - retention.retentionMs, retention.maxRows, EVENT_PRUNE_BATCH);
    await store.pruneEndedSessions(
      clock.now() - (this.deps.sessionsRetentionMs ?? 7 * 86_400_000),
      SESSION_PRUNE_BATCH,
    );
    return {
      listed: machines !== null,
      machines: machines?.length ?? null,
      planned: planCounts(plan),
      partial: plan.partial,
      outage: plan.outage,
      error,
      leader: true,
      ...(plan.pool ? { pool: plan.pool } : {}),
    };
  }

  /** A lead lost mid-pass (its connection failed) stops the pass before its next group of acts. */
  private stillLeading(): void {
    if (this.deps.leadership && !this.deps.leadership.holds())
      throw new Error('reconciler leadership lost during the pass; stopped before acting');
  }

  private record(r: PassResult): void {
    const { log } = this.deps;
    this.passes++;
    if (r.leader) {
      this.lastPassAtMs = r.startedAtMs;
      this.lastError = r.error ?? r.applied.errors[0] ?? null;
    }
    if (r.planned) this.lastPlan = r.planned;
    if (r.outage && !this.outage) log.warn({ ...r.outage }, 'outage guard: heartbeat reaping paused');
    if (!r.outage && this.outage && r.planned) log.info({}, 'outage guard: heartbeats back, reaping resumed');
    if (r.planned) this.outage = r.outage;
    const did = Object.values(r.applied.done).some((n) => n > 0) || r.applied.failed > 0;
    if (did)
      log.info(
        { done: r.applied.done, skipped: r.applied.skipped, failed: r.applied.failed, partial: r.partial },
        'reconcile pass',
      );
    try {
      this.deps.onPass?.(r);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'onPass callback threw');
    }
  }
}
