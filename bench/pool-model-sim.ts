import { forecastPool, stockFor, type DemandSettings } from '../src/reconcile/demand-forecast.js';

/**
 * A second-by-second model of the warm pool under a start rate, for pinning the policy: no
 * store, no provider. Starts claim a ready server or wait for one made for them; servers are
 * ready `bootS` after they are asked for; a session ends after its length and (recycling) its
 * server goes back to the pool; every `passS` the policy sizes the pool (create below the
 * target, delete idle beyond keep). Billing per second, at least 60 s a server.
 */
export interface PoolSimOptions {
  /** Starts per second at second t. */
  rateAt: (t: number) => number;
  durationS: number;
  bootS: number;
  passS: number;
  meanLengthS: number;
  seed: number;
  /** 'forecast' with its settings, or a fixed number of idle servers. */
  policy: { kind: 'forecast'; settings: Omit<DemandSettings, 'reconcileIntervalS'> } | { kind: 'fixed'; size: number };
  recycle: boolean;
  /**
   * Plan with the true mean of the starts over the horizon (from rateAt) instead of the
   * forecast's: what a perfect rate estimate would buy, the rest of the policy unchanged.
   */
  oracle?: boolean;
  /** Starts, billing and play before this second are not counted (a steady state measured after its warm-up). */
  measureFromS?: number;
  /** Called after each pass with the time and the servers alive and idle. */
  onPass?: (t: number, s: { target: number; idle: number; alive: number; booting: number }) => void;
}

export interface PoolSimResult {
  starts: number;
  instant: number;
  billedS: number;
  playedS: number;
  created: number;
  maxAlive: number;
}

interface Srv {
  createdS: number;
  readyS: number;
  busyUntilS: number | null;
}

export function simulatePool(o: PoolSimOptions): PoolSimResult {
  let seed = o.seed >>> 0;
  const random = () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const length = () => Math.round(Math.min(2700, Math.max(60, -Math.log(1 - random()) * o.meanLengthS)));
  const alive: Srv[] = [];
  const waiting: number[] = [];
  const startsAtS: number[] = [];
  const ended: number[] = [];
  const boots: number[] = [];
  let billedS = 0;
  let playedS = 0;
  let instant = 0;
  let created = 0;
  let maxAlive = 0;
  const create = (t: number) => {
    alive.push({ createdS: t, readyS: t + o.bootS, busyUntilS: null });
    created++;
  };
  const from = o.measureFromS ?? 0;
  const remove = (s: Srv, t: number) => {
    alive.splice(alive.indexOf(s), 1);
    // Billed per second, at least 60 s; before `from` nothing counts.
    billedS += Math.max(0, Math.max(t, s.createdS + 60) - Math.max(from, s.createdS));
  };
  const idle = (t: number) => alive.filter((s) => s.readyS <= t && s.busyUntilS === null);
  const play = (s: Srv, t: number) => {
    const len = length();
    s.busyUntilS = t + len;
    playedS += Math.max(0, t + len - Math.max(t, from));
    ended.push(len);
  };
  for (let t = 0; t < o.durationS; t++) {
    // Sessions that end: the server goes back (recycling) or away.
    for (const s of [...alive]) {
      if (s.busyUntilS !== null && s.busyUntilS <= t) {
        s.busyUntilS = null;
        if (!o.recycle) remove(s, t);
      }
    }
    // Servers that finished booting serve waiting starts first.
    for (const s of alive) if (s.readyS === t) boots.push(o.bootS);
    for (const s of idle(t)) {
      if (waiting.length === 0) break;
      waiting.shift();
      play(s, t);
    }
    // Arrivals this second.
    let n = 0;
    for (let p = Math.exp(-o.rateAt(t)), u = random(), c = p; u > c;) {
      n++;
      p *= o.rateAt(t) / n;
      c += p;
    }
    for (let i = 0; i < n; i++) {
      startsAtS.push(t);
      const free = idle(t)[0];
      if (free) {
        if (t >= from) instant++;
        play(free, t);
      } else {
        waiting.push(t);
        create(t);
      }
    }
    if (t % o.passS === 0) {
      const free = idle(t);
      const coming = alive.filter((s) => s.readyS > t).length;
      let target: number;
      let keep: number;
      const policy = o.policy;
      if (policy.kind === 'fixed') {
        target = keep = policy.size;
      } else {
        const f = forecastPool({
          nowMs: t * 1000,
          startsAtMs: startsAtS.filter((x) => x > t - policy.settings.windowS).map((x) => x * 1000),
          bootsS: boots.slice(-50),
          endedLengthsS: ended.slice(-200),
          activeAgesS: alive.filter((s) => s.busyUntilS !== null).map(() => o.meanLengthS / 2),
          recycling: o.recycle,
          settings: { ...policy.settings, reconcileIntervalS: o.passS },
        });
        target = f.target;
        keep = f.keep;
        if (o.oracle) {
          let mu = 0;
          for (let u = t; u < t + f.horizonS; u++) mu += o.rateAt(u);
          const k = stockFor(mu, f.expectedReturns, policy.settings.targetInstant).k;
          keep = Math.max(k, keep - target + k);
          target = k;
        }
      }
      const have = free.length + coming;
      const pending = waiting.length;
      for (let k = have; k < target + pending; k++) create(t);
      const excess = have - (keep + pending);
      const byNewest = [...free].sort((a, b) => b.readyS - a.readyS);
      for (let k = 0; k < Math.min(excess, byNewest.length); k++) remove(byNewest[k]!, t);
      o.onPass?.(t, {
        target,
        idle: idle(t).length,
        alive: alive.length,
        booting: alive.filter((s) => s.readyS > t).length,
      });
    }
    maxAlive = Math.max(maxAlive, alive.length);
  }
  for (const s of [...alive]) remove(s, o.durationS);
  return { starts: startsAtS.filter((x) => x >= from).length, instant, billedS, playedS, created, maxAlive };
}
