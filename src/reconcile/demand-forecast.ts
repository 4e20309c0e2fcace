import type { PoolPolicySettings } from './pool-policy-config.js';
import { instantShare, stockFor } from './poisson-stock.js';

export { instantShare, poissonPmf, stockFor } from './poisson-stock.js';

/**
 * The forecasting warm-pool policy: pure functions of what the store shows, no clock, no I/O.
 *
 * Model. Starts arrive as a Poisson process whose rate moves slowly: its level and trend are
 * estimated with Holt's linear smoothing over the recent start times, in buckets ending now.
 * A server asked for now is ready after the boot time B (measured from server rows, create →
 * first ready), and the pool is looked at every reconcile interval, so a start that empties
 * the pool is replaced after at most H = B + interval. Over H the starts A ~ Poisson(λ̂·H);
 * with recycling, sessions that end hand back R ~ Poisson(ρ) servers (ρ from the observed
 * session lengths, fitted as exponential). Holding K ready-or-coming servers and replacing
 * each one taken (a base-stock system with lead time H), a start finds the pool empty when
 * the net demand of the last H reached K, so the share of starts served at once is
 * P(A − R < K) (Poisson arrivals see time averages). The pool target is the least K with
 * that share ≥ the studio's POOL_TARGET_INSTANT: the quantile of the net demand.
 *
 * Money. The n-th idle server waits about n / λ for a start, so no more than λ·POOL_MAX_IDLE_S
 * are held, λ here a calm rate (idleRate): the lower of the level smoothed over
 * POOL_IDLE_RATE_HALF_LIFE_S and the window's rate less half its Poisson noise. The fast level
 * the target reads swings with every start at a few a minute and used to cap the pool on each
 * lull; the calm one does not, while the window's lower reading keeps a quiet night's start or
 * two from buying an idle server. As demand falls the target falls to zero (then only POOL_MIN_READY).
 * The forecast extrapolates a rising trend over the horizon but not a falling one: a fall is in
 * the level within a half-life, and extrapolating it emptied the pool on the way down from a peak.
 * Recycling. An idle server beyond the target is deleted only beyond `keep` = target + the
 * starts expected within one boot time: one the forecast needs that soon would be deleted only
 * to be booted again (a boot is paid and unplayable). Freed servers come back to the pool (recycling) and this same rule keeps or deletes
 * them.
 */
export interface DemandObservations {
  nowMs: number;
  /** Creation times of sessions started in the last `windowS` (any state). */
  startsAtMs: readonly number[];
  /** Measured boots in seconds (create → first ready) of this region and size, recent ones. */
  bootsS: readonly number[];
  /** Lengths (activation → end, s) of sessions started in the window that have ended. */
  endedLengthsS: readonly number[];
  /** Ages (activation → now, s) of active sessions: lengths seen so far, not finished. */
  activeAgesS: readonly number[];
  /** Freed servers come back to the pool (RECYCLE_SERVERS). */
  recycling: boolean;
  settings: DemandSettings;
}

export type DemandSettings = Readonly<
  Pick<
    PoolPolicySettings,
    | 'targetInstant'
    | 'windowS'
    | 'stepS'
    | 'rateHalfLifeS'
    | 'trendHalfLifeS'
    | 'bootEstimateS'
    | 'maxIdleS'
    | 'idleRateHalfLifeS'
  > & {
    reconcileIntervalS: number;
    poolMinReady: number;
  }
>;

/** What the policy expects and why it holds what it holds (shown by GET /v1/status). */
export interface DemandForecast {
  /** Smoothed start rate now (starts/s) and its trend (starts/s per s). */
  ratePerS: number;
  trendPerS2: number;
  /** The rate expected over the next horizon: level + trend × horizon / 2, at least 0. */
  forecastRatePerS: number;
  /** Starts in the window, over the window: the plain rate, for comparison. */
  windowRatePerS: number;
  starts: number;
  bootS: number;
  /** Boots measured (0 = POOL_BOOT_ESTIMATE_S is used). */
  bootSamples: number;
  /** Boot plus one reconcile interval: how long a start that empties the pool waits to be replaced. */
  horizonS: number;
  /** Mean session length (exponential fit with the live sessions as censored), or null before one ended. */
  meanSessionS: number | null;
  /** Expected starts within the horizon. */
  expectedStarts: number;
  /** Expected servers freed by ending sessions within the horizon (0 without recycling). */
  expectedReturns: number;
  /** Ready-or-coming servers the instant target asks for, before the idle cap and the minimum. */
  forInstant: number;
  /** The rate the idle cap reads (idleRate): the calmer of the slow level and the window's rate less its noise. */
  idleRatePerS: number;
  /** Most idle servers worth holding: ⌊idle rate × POOL_MAX_IDLE_S⌋. */
  idleCap: number;
  /** Ready-or-coming servers wanted (servers are made below this). */
  target: number;
  /** Idle servers are deleted only above this (≥ target). */
  keep: number;
  /** Expected share of starts that find a ready server with `target` held. */
  expectedInstant: number;
  /** What set the target. */
  limitedBy: 'instant-target' | 'idle-cap' | 'min-ready' | 'no-demand';
  why: string;
}

/** Level and trend of the start rate by Holt's linear smoothing over buckets ending at `nowMs`. */
export function smoothRate(
  startsAtMs: readonly number[],
  nowMs: number,
  s: Pick<DemandSettings, 'windowS' | 'stepS' | 'rateHalfLifeS' | 'trendHalfLifeS'>,
): { level: number; trend: number; windowRate: number; starts: number } {
  const buckets = Math.max(1, Math.floor(s.windowS / s.stepS));
  const spanMs = buckets * s.stepS * 1000;
  const counts = new Array<number>(buckets).fill(0);
  let starts = 0;
  for (const t of startsAtMs) {
    const age = nowMs - t;
    if (age < 0 || age >= spanMs) continue;
    // Bucket 0 is the oldest; the newest ends now.
    counts[buckets - 1 - Math.floor(age / (s.stepS * 1000))]!++;
    starts++;
  }
  const windowRate = starts / (buckets * s.stepS);
  if (starts === 0) return { level: 0, trend: 0, windowRate: 0, starts: 0 };
  const alpha = 1 - 2 ** (-s.stepS / s.rateHalfLifeS);
  const beta = 1 - 2 ** (-s.stepS / s.trendHalfLifeS);
  // Start from the window's plain rate, no trend: with little history the estimate stays calm.
  let level = windowRate;
  let trend = 0;
  for (const c of counts) {
    const prev = level;
    level = alpha * (c / s.stepS) + (1 - alpha) * (level + trend * s.stepS);
    trend = beta * ((level - prev) / s.stepS) + (1 - beta) * trend;
  }
  return { level: Math.max(0, level), trend, windowRate, starts };
}

/**
 * The rate the idle cap reads: the level smoothed over POOL_IDLE_RATE_HALF_LIFE_S, but no more
 * than the window's rate less half its Poisson noise ((n − √n / 2) / window): a start or two in a
 * quiet night's window reads as none, a calm afternoon's lulls do not empty the pool.
 */
export function idleRate(
  startsAtMs: readonly number[],
  nowMs: number,
  s: Pick<DemandSettings, 'windowS' | 'stepS' | 'idleRateHalfLifeS' | 'trendHalfLifeS'>,
  fast: { windowRate: number; starts: number },
): number {
  if (fast.starts === 0) return 0;
  const calm = smoothRate(startsAtMs, nowMs, { ...s, rateHalfLifeS: s.idleRateHalfLifeS });
  const windowLow = (fast.windowRate * Math.max(0, fast.starts - Math.sqrt(fast.starts) / 2)) / fast.starts;
  return Math.min(calm.level, windowLow);
}

/** The boot time to plan with: the 90th percentile of the measured boots, else the estimate. */
export function bootTime(bootsS: readonly number[], estimateS: number): { bootS: number; samples: number } {
  const ok = bootsS.filter((b) => Number.isFinite(b) && b >= 0);
  if (ok.length === 0) return { bootS: estimateS, samples: 0 };
  const sorted = [...ok].sort((a, b) => a - b);
  return { bootS: sorted[Math.min(sorted.length - 1, Math.ceil(0.9 * sorted.length) - 1)]!, samples: ok.length };
}

/** Mean session length, exponential fit: (ended lengths + ages so far of live ones) / ended. */
export function meanSessionLength(endedLengthsS: readonly number[], activeAgesS: readonly number[]): number | null {
  if (endedLengthsS.length === 0) return null;
  const exposure =
    endedLengthsS.reduce((a, b) => a + Math.max(0, b), 0) + activeAgesS.reduce((a, b) => a + Math.max(0, b), 0);
  return Math.max(1, exposure / endedLengthsS.length);
}

/** The forecasting policy's decision for this pass. */
export function forecastPool(o: DemandObservations): DemandForecast {
  const s = o.settings;
  const rate = smoothRate(o.startsAtMs, o.nowMs, s);
  const boot = bootTime(o.bootsS, s.bootEstimateS);
  const horizonS = boot.bootS + s.reconcileIntervalS;
  const meanSessionS = meanSessionLength(o.endedLengthsS, o.activeAgesS);
  const forecastRatePerS = Math.max(0, rate.level + (Math.max(0, rate.trend) * horizonS) / 2);
  const returnsWithin = (h: number) =>
    o.recycling && meanSessionS ? o.activeAgesS.length * (1 - Math.exp(-h / meanSessionS)) : 0;
  const expectedStarts = forecastRatePerS * horizonS;
  const expectedReturns = returnsWithin(horizonS);
  const now = stockFor(expectedStarts, expectedReturns, s.targetInstant);
  const idleRatePerS = idleRate(o.startsAtMs, o.nowMs, s, rate);
  const idleCap = Math.floor(idleRatePerS * s.maxIdleS + 1e-9);
  const capped = Math.min(now.k, idleCap);
  const target = Math.max(s.poolMinReady, capped);
  // Starts expected within one boot would take an idle server deleted now; it would be booted again.
  const keep = Math.max(target, Math.min(now.k + Math.ceil(forecastRatePerS * boot.bootS), idleCap));
  const limitedBy: DemandForecast['limitedBy'] =
    target > capped ? 'min-ready' : expectedStarts === 0 ? 'no-demand' : capped < now.k ? 'idle-cap' : 'instant-target';
  // (no-demand: no start in the window, or a falling trend that forecasts none.)
  const expectedInstant = target === now.k ? now.instant : instantShare(expectedStarts, expectedReturns, target);
  const f: Omit<DemandForecast, 'why'> = {
    ratePerS: rate.level,
    trendPerS2: rate.trend,
    forecastRatePerS,
    windowRatePerS: rate.windowRate,
    starts: rate.starts,
    bootS: boot.bootS,
    bootSamples: boot.samples,
    horizonS,
    meanSessionS,
    expectedStarts,
    expectedReturns,
    forInstant: now.k,
    idleRatePerS,
    idleCap,
    target,
    keep,
    expectedInstant,
    limitedBy,
  };
  return { ...f, why: explain(f, s) };
}

const perMin = (r: number) => `${(r * 60).toFixed(2)}/min`;

function explain(f: Omit<DemandForecast, 'why'>, s: DemandSettings): string {
  const boot =
    f.bootSamples > 0
      ? `boot ${f.bootS.toFixed(0)} s (p90 of ${f.bootSamples} measured)`
      : `boot ${f.bootS.toFixed(0)} s (POOL_BOOT_ESTIMATE_S, none measured yet)`;
  const demand =
    `${f.starts} starts in the last ${s.windowS} s; rate ${perMin(f.ratePerS)}, trend ${f.trendPerS2 >= 0 ? '+' : ''}${(f.trendPerS2 * 3600).toFixed(3)}/min per min, ` +
    `forecast ${perMin(f.forecastRatePerS)} over the next ${f.horizonS.toFixed(0)} s (${boot} + ${s.reconcileIntervalS} s pass)`;
  const flow =
    `${f.expectedStarts.toFixed(2)} starts expected in that time` +
    (f.expectedReturns > 0
      ? `, ${f.expectedReturns.toFixed(2)} servers freed by ending sessions (mean ${f.meanSessionS?.toFixed(0)} s)`
      : '');
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  let hold: string;
  switch (f.limitedBy) {
    case 'no-demand':
      hold = `${f.starts === 0 ? 'no recent starts' : 'demand falling to none'}: holding ${f.target} (POOL_MIN_READY)`;
      break;
    case 'min-ready':
      hold = `the forecast asks for ${Math.min(f.forInstant, f.idleCap)}; POOL_MIN_READY holds ${f.target}`;
      break;
    case 'idle-cap':
      hold = `${f.forInstant} would serve ${pct(s.targetInstant)} at once, but at this rate idle server no. ${f.idleCap + 1} would wait over POOL_MAX_IDLE_S=${s.maxIdleS} s: holding ${f.target} (~${pct(f.expectedInstant)} instant)`;
      break;
    default:
      hold = `${f.target} ready or coming lets ~${pct(f.expectedInstant)} of starts find a server (target ${pct(s.targetInstant)})`;
  }
  return `${demand}; ${flow}; ${hold}; idle servers beyond ${f.keep} are deleted.`;
}
