import { describe, expect, it } from 'vitest';
import {
  bootTime,
  forecastPool,
  instantShare,
  meanSessionLength,
  smoothRate,
  stockFor,
  type DemandObservations,
  type DemandSettings,
} from '../../../src/reconcile/demand-forecast.js';
import { computePlan, computePool } from '../../../src/reconcile/index.js';
import { input, NOW, S, server, settings as planSettings } from './fixtures.js';
import { simulatePool } from '../../../bench/pool-model-sim.js';

const SETTINGS: DemandSettings = {
  targetInstant: 0.95,
  windowS: 1800,
  stepS: 30,
  rateHalfLifeS: 120,
  trendHalfLifeS: 300,
  bootEstimateS: 60,
  maxIdleS: 300,
  idleRateHalfLifeS: 480,
  reconcileIntervalS: 10,
  poolMinReady: 0,
};

/** Start times at `ratePerS(t)` (deterministic, evenly spread), t seconds before now. */
function starts(ratePerS: (agoS: number) => number, windowS = 1800): number[] {
  const out: number[] = [];
  let carry = 0;
  for (let ago = windowS - 1; ago >= 0; ago--) {
    carry += ratePerS(ago);
    while (carry >= 1) {
      out.push(NOW - ago * S);
      carry -= 1;
    }
  }
  return out;
}

function observe(
  startsAtMs: number[],
  o: Partial<DemandObservations> = {},
  s: Partial<DemandSettings> = {},
): ReturnType<typeof forecastPool> {
  return forecastPool({
    nowMs: NOW,
    startsAtMs,
    bootsS: [45],
    endedLengthsS: [],
    activeAgesS: [],
    recycling: false,
    settings: { ...SETTINGS, ...s },
    ...o,
  });
}

describe('the Poisson sizing', () => {
  it('holds the quantile of the starts expected within the horizon', () => {
    // Poisson(3): P(A ≥ 6) = 0.084 > 0.05, P(A ≥ 7) = 0.034 ≤ 0.05.
    expect(stockFor(3, 0, 0.95)).toEqual({ k: 7, instant: expect.closeTo(0.966, 3) });
    expect(stockFor(3, 0, 0.9).k).toBe(6);
    expect(instantShare(3, 0, 7)).toBeCloseTo(0.9665, 3);
    expect(stockFor(0, 0, 0.99)).toEqual({ k: 0, instant: 1 });
  });

  it('counts servers freed by ending sessions (recycling) against the starts', () => {
    expect(stockFor(3, 3, 0.95).k).toBeLessThan(stockFor(3, 0, 0.95).k);
    expect(stockFor(3, 3, 0.95).k).toBeGreaterThan(0);
  });

  it('stays finite and sane for large demand', () => {
    const { k } = stockFor(400, 0, 0.95);
    // Normal approximation: 400 + 1.645 × 20 ≈ 433.
    expect(k).toBeGreaterThan(425);
    expect(k).toBeLessThan(442);
  });
});

describe('what the policy learns', () => {
  it('boot time: the 90th percentile of the measured boots, the estimate before any', () => {
    expect(bootTime([], 60)).toEqual({ bootS: 60, samples: 0 });
    expect(bootTime([40, 41, 42, 43, 44, 45, 46, 47, 48, 90], 60)).toEqual({ bootS: 48, samples: 10 });
  });

  it('session length: exponential fit with live sessions counted as seen so far', () => {
    expect(meanSessionLength([], [100])).toBeNull();
    expect(meanSessionLength([100, 100], [100])).toBe(150);
  });

  it('steady demand: the level is the rate and the trend is about zero', () => {
    const r = smoothRate(
      starts(() => 200 / 3600),
      NOW,
      SETTINGS,
    );
    expect(r.level).toBeCloseTo(200 / 3600, 2);
    expect(Math.abs(r.trend * 300)).toBeLessThan(0.1 * r.level);
  });
});

describe('forecastPool on synthetic demand', () => {
  it('steady: the target is the quantile of λ·(boot + pass), and says why', () => {
    const f = observe(starts(() => 200 / 3600));
    expect(f.horizonS).toBe(55);
    expect(f.expectedStarts).toBeCloseTo((200 / 3600) * 55, 0);
    expect(f.target).toBe(stockFor(f.expectedStarts, 0, 0.95).k);
    expect(f.target).toBeGreaterThanOrEqual(6);
    expect(f.keep).toBeGreaterThanOrEqual(f.target);
    expect(f.limitedBy).toBe('instant-target');
    expect(f.why).toMatch(/boot 45 s \(p90 of 1 measured\)/);
    expect(f.why).toMatch(/95\.0%/);
  });

  it('a higher target holds more', () => {
    const s = starts(() => 200 / 3600);
    expect(observe(s, {}, { targetInstant: 0.99 }).target).toBeGreaterThan(
      observe(s, {}, { targetInstant: 0.8 }).target,
    );
  });

  it('a longer measured boot holds more', () => {
    const s = starts(() => 200 / 3600);
    expect(observe(s, { bootsS: [120] }).target).toBeGreaterThan(observe(s, { bootsS: [30] }).target);
  });

  it('ramp: a rising rate has a positive trend and the forecast runs ahead of the window average', () => {
    // 0 → 0.2 starts/s over the half hour.
    const f = observe(starts((ago) => 0.2 * (1 - ago / 1800)));
    expect(f.trendPerS2).toBeGreaterThan(0);
    expect(f.forecastRatePerS).toBeGreaterThan(f.windowRatePerS * 1.5);
    expect(f.forecastRatePerS).toBeGreaterThan(0.18);
    const flat = observe(starts(() => 0.1));
    expect(f.target).toBeGreaterThan(flat.target);
  });

  it('burst: two minutes of 10x demand raise the target several-fold', () => {
    const base = 200 / 3600;
    const before = observe(starts(() => base));
    const during = observe(starts((ago) => (ago < 120 ? 10 * base : base)));
    expect(during.forecastRatePerS).toBeGreaterThan(4 * base);
    expect(during.target).toBeGreaterThan(2 * before.target);
  });

  it('silence: the pool goes to zero when starts stop, and stays at POOL_MIN_READY when set', () => {
    const base = 200 / 3600;
    // Busy until 10 minutes ago, nothing since.
    const quiet = observe(starts((ago) => (ago >= 600 ? base : 0)));
    expect(quiet.target).toBe(0);
    expect(quiet.keep).toBe(0);
    expect(quiet.limitedBy).toBe('no-demand');
    expect(quiet.why).toMatch(/demand falling to none/);
    // No start in the whole window: no demand at all.
    const none = observe([]);
    expect(none).toMatchObject({ ratePerS: 0, target: 0, keep: 0, limitedBy: 'no-demand' });
    expect(observe([], {}, { poolMinReady: 2 })).toMatchObject({ target: 2, limitedBy: 'min-ready' });
  });

  it('a trickle (2 starts an hour, one just now) holds no idle server: it would wait far past POOL_MAX_IDLE_S', () => {
    const f = observe([NOW - 900 * S, NOW]);
    expect(f.forInstant).toBeGreaterThan(0);
    expect(f.idleCap).toBe(0);
    expect(f.target).toBe(0);
    expect(f.why).toMatch(/POOL_MAX_IDLE_S=300/);
  });
});

describe('the idle cap reads a calm rate', () => {
  it('a lull by chance in a slow afternoon (1 start a minute, none for 4 minutes) does not empty the pool', () => {
    const f = observe(starts((ago) => (ago >= 240 ? 1 / 60 : 0)));
    // The fast level fell to a quarter; the calm one (480 s) and the window have not.
    expect(f.ratePerS).toBeLessThan(0.3 / 60);
    expect(f.idleRatePerS).toBeGreaterThan(0.6 / 60);
    expect(f.idleCap).toBeGreaterThanOrEqual(3);
    expect(f.target).toBeGreaterThanOrEqual(2);
    expect(f.limitedBy).toBe('instant-target');
  });

  it("a quiet night's three starts in the window read as less than three (half the Poisson noise off): no idle server", () => {
    const f = observe([NOW - 1200 * S, NOW - 600 * S, NOW - 60 * S], {}, { maxIdleS: 600 });
    // 3 starts in 1,800 s is one per 600 s; less half its noise, under one per POOL_MAX_IDLE_S.
    expect(f.idleRatePerS).toBeLessThan(1 / 600);
    expect(f.idleCap).toBe(0);
    expect(f.target).toBe(0);
  });

  it('a falling trend is not extrapolated over the horizon; a rising one is', () => {
    const falling = observe(starts((ago) => 0.05 + 0.1 * (ago / 1800)));
    expect(falling.trendPerS2).toBeLessThan(0);
    expect(falling.forecastRatePerS).toBe(falling.ratePerS);
    const rising = observe(starts((ago) => 0.15 - 0.1 * (ago / 1800)));
    expect(rising.forecastRatePerS).toBeGreaterThan(rising.ratePerS);
  });
});

describe('computePool with a forecast', () => {
  const idle = (n: number) =>
    Array.from({ length: n }, (_, i) =>
      server(`i${i}`, { state: 'ready', players: 0, readyAtMs: NOW - (100 - i) * S }),
    );
  const pool = (o: Partial<Parameters<typeof computePool>[0]>) =>
    computePool({
      idleReady: [],
      coming: 0,
      pending: 0,
      liveMade: 0,
      settings: { poolMinReady: 0, poolBuffer: 0, maxServers: 50 },
      ...o,
    });

  it('makes servers up to the target and deletes idle ones only beyond keep', () => {
    expect(pool({ idleReady: idle(1), coming: 1, liveMade: 2, forecast: { target: 5, keep: 7 } }).create).toBe(3);
    expect(pool({ idleReady: idle(7), liveMade: 7, forecast: { target: 5, keep: 7 } }).deleteIdle).toHaveLength(0);
    expect(pool({ idleReady: idle(9), liveMade: 9, forecast: { target: 5, keep: 7 } }).deleteIdle).toHaveLength(2);
  });

  it('the API budget holds back pool creates, never the ones waiting starts need', () => {
    expect(pool({ forecast: { target: 10, keep: 10 }, apiCreates: 3 }).create).toBe(3);
    expect(pool({ pending: 6, forecast: { target: 10, keep: 10 }, apiCreates: 0 }).create).toBe(6);
  });

  it('MAX_SERVERS still caps everything', () => {
    expect(pool({ liveMade: 48, forecast: { target: 10, keep: 10 } })).toMatchObject({ create: 2, atMaxServers: true });
  });
});

describe('computePlan with demand', () => {
  it('sizes the pool by the forecast and reports it; the fixed policy reports none', () => {
    const demand = { startsAtMs: starts(() => 200 / 3600), bootsS: [45], endedLengthsS: [], settings: SETTINGS };
    const plan = computePlan({
      ...input({ servers: [], settings: planSettings({ maxServers: 50, maxCreatesPerPass: 50 }) }),
      demand,
    });
    expect(plan.forecast).not.toBeNull();
    expect(plan.create).toBe(plan.forecast!.target);
    expect(computePlan(input({ servers: [], settings: planSettings({ maxServers: 50 }) })).forecast).toBeNull();
  });
});

/**
 * The policy in a second-by-second model of the pool (bench/pool-model-sim.ts): what the studio asks for
 * is what it gets, and demand that stops leaves nothing running.
 */
describe('the policy over time (pool model)', () => {
  const model = { durationS: 4 * 3600, bootS: 46, passS: 10, meanLengthS: 600, recycle: true };
  const forecast = (p: number) => ({ kind: 'forecast' as const, settings: { ...SETTINGS, targetInstant: p } });
  const run = (
    rateAt: (t: number) => number,
    policy: Parameters<typeof simulatePool>[0]['policy'],
    seeds = [1, 2, 3],
  ) => {
    let starts = 0;
    let instant = 0;
    let billed = 0;
    let played = 0;
    for (const seed of seeds) {
      const r = simulatePool({ ...model, rateAt, policy, seed });
      starts += r.starts;
      instant += r.instant;
      billed += r.billedS;
      played += r.playedS;
    }
    return { instant: instant / starts, ratio: billed / played };
  };

  it('steady demand at POOL_TARGET_INSTANT=0.95: at least 95% instant, billed/played at most 1.20', () => {
    const r = run(() => 200 / 3600, forecast(0.95));
    expect(r.instant).toBeGreaterThanOrEqual(0.95);
    expect(r.ratio).toBeLessThanOrEqual(1.2);
  });

  it('a higher target buys more instant starts for more money', () => {
    const low = run(() => 200 / 3600, forecast(0.8));
    const high = run(() => 200 / 3600, forecast(0.99));
    expect(high.instant).toBeGreaterThan(low.instant);
    expect(high.ratio).toBeGreaterThan(low.ratio);
  });

  it('silence → zero: an hour after the last start no server is left', () => {
    let aliveAtEnd = -1;
    let idleDuringQuiet = 0;
    simulatePool({
      ...model,
      durationS: 3 * 3600,
      rateAt: (t) => (t < 3600 ? 200 / 3600 : 0),
      policy: forecast(0.99),
      seed: 7,
      onPass: (t, s) => {
        if (t >= 2 * 3600 + 2700) idleDuringQuiet = Math.max(idleDuringQuiet, s.idle);
        if (t === 3 * 3600 - 10) aliveAtEnd = s.alive;
      },
    });
    expect(idleDuringQuiet).toBe(0);
    expect(aliveAtEnd).toBe(0);
  });
});
