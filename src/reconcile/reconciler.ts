import type { PoolPolicySettings } from '../config.js';
import { LIVE_SERVER_STATES, type Server } from '../domain/server.js';
import { SessionState } from '../domain/session.js';
import type { Machine } from '../providers/provider.js';
import { applyProviderSteps } from './apply-provider-steps.js';
import { applyStateSteps } from './apply-state-steps.js';
import { BootTimes } from './boot-times.js';
import type { DemandForecast } from './demand-forecast.js';
import { ApplyTally, type ApplyDeps, type ApplyReport } from './apply-tally.js';
import { computePlan } from './plan.js';
import { PassScheduler } from './pass-scheduler.js';
import { planCounts, type OutageInfo, type PlanCounts, type PoolDemand } from './types.js';

export interface ReconcilerDeps extends ApplyDeps {
  /** Called after every pass (metrics, tests). */
  onPass?: (r: PassResult) => void;
  /** Least time from one pass's start to a pass asked for by trigger(); default 1000 ms. */
  minTriggerGapMs?: number;
  /** The warm-pool policy (absent: fixed, from settings.poolMinReady/poolBuffer). */
  pool?: Readonly<PoolPolicySettings>;
}

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
}

export interface ReconcilerStatus {
  lastPassAtMs: number | null;
  lastError: string | null;
  /** Set while heartbeat reaping is paused by the outage guard. */
  outage: { paused: boolean; reason: string } | null;
  passes: number;
  lastPlan: PlanCounts | null;
  /** The warm-pool policy and, with `forecast`, what it expects and why it holds what it holds. */
  pool: { policy: 'fixed' | 'forecast'; forecast: DemandForecast | null };
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
  private readonly bootTimes = new BootTimes();

  constructor(private readonly deps: ReconcilerDeps) {
    this.scheduler = new PassScheduler({
      clock: deps.clock,
      intervalMs: deps.settings.reconcileIntervalS * 1000,
      minTriggerGapMs: deps.minTriggerGapMs ?? 1000,
      pass: () => this.pass(),
      again: (r) => r.partial && Object.values(r.applied.done).some((n) => n > 0),
    });
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
      pool: { policy: this.deps.pool?.policy ?? 'fixed', forecast: this.lastForecast },
    };
  }

  private async pass(): Promise<PassResult> {
    const { clock, log } = this.deps;
    const startedAtMs = clock.now();
    const tally = new ApplyTally(log);
    let result: Omit<PassResult, 'startedAtMs' | 'durationMs' | 'applied'>;
    try {
      result = await this.planAndApply(tally);
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      log.error({ err: error }, 'reconcile pass failed');
      result = { listed: false, machines: null, planned: null, partial: false, outage: this.outage, error };
    }
    const r: PassResult = { ...result, startedAtMs, durationMs: clock.now() - startedAtMs, applied: tally.report };
    this.record(r);
    return r;
  }

  private async planAndApply(tally: ApplyTally): Promise<Omit<PassResult, 'startedAtMs' | 'durationMs' | 'applied'>> {
    const { store, provider, clock, log, settings } = this.deps;
    // The store first, the listing second: a machine listed then was made for a row already
    // loaded or newer (its orphan grace, and an ownership re-check, protect it), while a row
    // loaded first whose machine is missing from the later listing really lost it.
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
    const demand = await this.loadDemand(servers);
    const plan = computePlan({ nowMs: clock.now(), machines, servers, sessions, settings, demand });
    this.lastForecast = plan.forecast;
    await applyStateSteps(this.deps, plan, tally);
    await applyProviderSteps(this.deps, plan, tally);
    await store.purgeExpired(clock.now());
    return { listed: machines !== null, machines: machines?.length ?? null, planned: planCounts(plan), partial: plan.partial, outage: plan.outage, error };
  }

  /**
   * What the forecasting pool reads: starts and session lengths from the store (any replica
   * sees the same), boots from the rows this replica has watched, the API budget left.
   */
  private async loadDemand(servers: readonly Server[]): Promise<PoolDemand | null> {
    const { pool, store, clock, provider, settings } = this.deps;
    const now = clock.now();
    this.bootTimes.observe(servers, now);
    if (pool?.policy !== 'forecast') return null;
    const recent = await store.listSessionsStartedSince(now - pool.windowS * 1000);
    const endedLengthsS: number[] = [];
    for (const s of recent) {
      if (s.state === SessionState.Ended && s.activatedAtMs !== null && s.endedAtMs !== null) endedLengthsS.push((s.endedAtMs - s.activatedAtMs) / 1000);
    }
    const left = provider.apiBudgetLeft?.();
    return {
      startsAtMs: recent.map((s) => s.createdAtMs),
      bootsS: this.bootTimes.recent(now, pool.bootWindowS),
      endedLengthsS,
      settings: { ...pool, reconcileIntervalS: settings.reconcileIntervalS, poolMinReady: settings.poolMinReady },
      // The pool spends at most half of what is left per pass: waiting starts, deletes and listings keep the rest.
      apiCreates: left ? Math.floor(Math.min(left.minute, left.hour) / (2 * pool.apiCallsPerServer)) : null,
    };
  }

  private record(r: PassResult): void {
    const { log } = this.deps;
    this.passes++;
    this.lastPassAtMs = r.startedAtMs;
    this.lastError = r.error ?? r.applied.errors[0] ?? null;
    if (r.planned) this.lastPlan = r.planned;
    if (r.outage && !this.outage) log.warn({ ...r.outage }, 'outage guard: heartbeat reaping paused');
    if (!r.outage && this.outage && r.planned) log.info({}, 'outage guard: heartbeats back, reaping resumed');
    if (r.planned) this.outage = r.outage;
    const did = Object.values(r.applied.done).some((n) => n > 0) || r.applied.failed > 0;
    if (did) log.info({ done: r.applied.done, skipped: r.applied.skipped, failed: r.applied.failed, partial: r.partial }, 'reconcile pass');
    try {
      this.deps.onPass?.(r);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'onPass callback threw');
    }
  }
}
