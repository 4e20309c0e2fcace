/** One player group's session in the cost simulation. */
export interface PlannedSession {
  /** Seconds after the start of the hour when the client asks for a session. */
  arriveAtS: number;
  /** How long the game lasts once the client has its server, in seconds. */
  lengthS: number;
  players: number;
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
