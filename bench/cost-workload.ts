/** One player group's session in the cost simulation. */
export interface PlannedSession {
  /** Seconds after the start of the hour when the client asks for a session. */
  arriveAtS: number;
  /** How long the game lasts once the client has its server, in seconds. */
  lengthS: number;
  players: number;
  /** The region its players are near (the follow-the-sun day); none: the default region. */
  region?: string;
}

export interface WorkloadOptions {
  sessions: number;
  /** Arrivals spread over this many seconds (a Poisson process given its count: uniform, sorted). */
  windowS: number;
  meanLengthS: number;
  minLengthS: number;
  maxLengthS: number;
  seed: number;
}

/** A seeded PRNG in [0, 1) (mulberry32): the same seed gives the same hour. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random arrivals over the window; lengths exponential with the given mean, clipped to [min, max]. */
export function planWorkload(o: WorkloadOptions): PlannedSession[] {
  const random = seededRandom(o.seed);
  const out: PlannedSession[] = [];
  for (let i = 0; i < o.sessions; i++) {
    const arriveAtS = Math.floor(random() * o.windowS);
    const exp = -Math.log(1 - random()) * o.meanLengthS;
    const lengthS = Math.round(Math.min(o.maxLengthS, Math.max(o.minLengthS, exp)));
    out.push({ arriveAtS, lengthS, players: 1 + Math.floor(random() * 4) });
  }
  return out.sort((a, b) => a.arriveAtS - b.arriveAtS);
}

/** The q-quantile (0..1) of the values, nearest rank; 0 for none. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** A droplet's bill in seconds: per second from create to delete (or the end of the run), at least 60 s. */
export function billedSeconds(createdAtMs: number, deletedAtMs: number | null, endMs: number): number {
  const aliveS = Math.max(0, ((deletedAtMs ?? endMs) - createdAtMs) / 1000);
  return Math.max(60, Math.ceil(aliveS));
}

/** Seconds of [fromMs, toMs) inside [windowStartMs, windowEndMs). */
export function overlapS(fromMs: number, toMs: number, windowStartMs: number, windowEndMs: number): number {
  return Math.max(0, (Math.min(toMs, windowEndMs) - Math.max(fromMs, windowStartMs)) / 1000);
}

/** Arrivals of a Poisson process with a rate that moves (starts per second at second t). */
export interface ProfileOptions {
  /** Starts per second at second t of the window. */
  rateAt: (t: number) => number;
  /** An upper bound of rateAt over the window (for thinning). */
  maxRate: number;
  windowS: number;
  meanLengthS: number;
  minLengthS: number;
  maxLengthS: number;
  seed: number;
}

/** A non-homogeneous Poisson process by thinning (Lewis and Shedler); lengths as planWorkload's. */
export function planProfileWorkload(o: ProfileOptions): PlannedSession[] {
  const random = seededRandom(o.seed);
  const out: PlannedSession[] = [];
  for (let t = 0; ;) {
    t += -Math.log(1 - random()) / o.maxRate;
    if (t >= o.windowS) break;
    if (random() * o.maxRate > o.rateAt(t)) continue;
    const exp = -Math.log(1 - random()) * o.meanLengthS;
    const lengthS = Math.round(Math.min(o.maxLengthS, Math.max(o.minLengthS, exp)));
    out.push({ arriveAtS: Math.floor(t), lengthS, players: 1 + Math.floor(random() * 4) });
  }
  return out;
}

/**
 * A day's shape, one multiplier per hour (00:00 … 23:00), linear between hour centres:
 * near zero at night, a slow afternoon, an evening peak. Normalised to a mean of 1; the peak
 * is then 10× the mean.
 */
const DAY_SHAPE = [
  0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.6, 0.5, 0.5, 0.6, 0.8, 1.5, 3.5, 10.03, 2.5,
  1.1, 0.2,
];

/** The day compressed into `dayS` seconds: the multiplier of the mean rate at second t. */
export function dayMultiplier(dayS: number): (t: number) => number {
  const raw = (t: number) => {
    const h = ((t / dayS) * 24 - 0.5 + 24) % 24;
    const i = Math.floor(h);
    const f = h - i;
    return DAY_SHAPE[i]! * (1 - f) + DAY_SHAPE[(i + 1) % 24]! * f;
  };
  let sum = 0;
  const n = 24 * 60;
  for (let k = 0; k < n; k++) sum += raw(((k + 0.5) / n) * dayS);
  const mean = sum / n;
  return (t) => raw(t) / mean;
}

/** The peak of a multiplier over [0, windowS), sampled every second. */
export function peakOf(f: (t: number) => number, windowS: number): number {
  let m = 0;
  for (let t = 0; t < windowS; t++) m = Math.max(m, f(t));
  return m;
}

/** One region of the follow-the-sun day: its slug and how many hours its local time runs behind the first region's. */
export interface SunRegion {
  region: string;
  behindH: number;
}

export interface FollowTheSunOptions {
  regions: readonly SunRegion[];
  /** The day compressed into this many seconds. */
  dayS: number;
  /** The first region's local hour at second 0. */
  startAtH: number;
  /** Each region's mean starts per hour of the run (emulated time); its day has the DAY_SHAPE. */
  meanPerHour: number;
  meanLengthS: number;
  minLengthS: number;
  maxLengthS: number;
  seed: number;
}

/** A region's local hour (0 ≤ h < 24) at second t of the follow-the-sun day. */
export function localHour(o: Pick<FollowTheSunOptions, 'dayS' | 'startAtH'>, r: SunRegion, t: number): number {
  return (((o.startAtH - r.behindH + (t / o.dayS) * 24) % 24) + 24) % 24;
}

/** A seed of its own per region, far from the scenario seeds next to it (seed + 1, + 10, …). */
export function regionSeed(seed: number, index: number): number {
  return (seed ^ Math.imul(index + 1, 0x9e3779b9)) >>> 0;
}

/**
 * The follow-the-sun day: each region's players follow the same day (DAY_SHAPE, peak at 20:00
 * local) in their own time zone, so the evening peaks come `behindH` apart; arrivals of all
 * regions merged in time order, each tagged with its region.
 */
export function planFollowTheSun(o: FollowTheSunOptions): PlannedSession[] {
  const shape = dayMultiplier(o.dayS);
  const perS = o.meanPerHour / 3600;
  const out: PlannedSession[] = [];
  o.regions.forEach((r, i) => {
    // dayMultiplier takes seconds since local midnight of the compressed day.
    const rateAt = (t: number) => perS * shape((localHour(o, r, t) / 24) * o.dayS);
    const sessions = planProfileWorkload({
      rateAt,
      maxRate: perS * peakOf(shape, o.dayS),
      windowS: o.dayS,
      meanLengthS: o.meanLengthS,
      minLengthS: o.minLengthS,
      maxLengthS: o.maxLengthS,
      seed: regionSeed(o.seed, i),
    });
    for (const x of sessions) out.push({ ...x, region: r.region });
  });
  return out.sort((a, b) => a.arriveAtS - b.arriveAtS || compareRegion(a, b));
}

const compareRegion = (a: PlannedSession, b: PlannedSession) =>
  (a.region ?? '') < (b.region ?? '') ? -1 : (a.region ?? '') > (b.region ?? '') ? 1 : 0;

/**
 * A region's quiet hours (00:30–06:30 local) as a window of the compressed day in seconds,
 * [fromS, toS); the window wraps when it straddles the end of the day (then fromS > toS).
 */
export function quietWindow(
  o: Pick<FollowTheSunOptions, 'dayS' | 'startAtH'>,
  r: SunRegion,
): { fromS: number; toS: number } {
  const at = (localH: number) => ((((localH + r.behindH - o.startAtH) % 24) + 24) % 24) * (o.dayS / 24);
  return { fromS: at(0.5), toS: at(6.5) };
}

/** A region's quiet hours as windows of [0, dayS): quietWindow's, split in two where it wraps the day. */
export function quietWindows(
  o: Pick<FollowTheSunOptions, 'dayS' | 'startAtH'>,
  r: SunRegion,
): { fromS: number; toS: number }[] {
  const w = quietWindow(o, r);
  return w.fromS <= w.toS
    ? [w]
    : [
        { fromS: w.fromS, toS: o.dayS },
        { fromS: 0, toS: w.toS },
      ];
}
