import { describe, expect, it } from 'vitest';
import type { LoadResult } from '../../bench/load.js';
import { benchOptions } from '../../bench/options.js';
import { pairRuns, sideBySideCases, sliceOrder } from '../../bench/side-by-side.js';

const slice = (ok: number, serviceCpuMs: number | null, durationS = 2): LoadResult => ({
  okPerS: ok / durationS,
  answersPerS: ok / durationS,
  p50Ms: 1,
  p99Ms: 5,
  non2xx: {},
  errors: 0,
  timeouts: 0,
  ok,
  durationS,
  generatorCpuMs: 0,
  serviceCpuMs,
});

describe('bench --baseline-ref: the previous build against this one, slices paired', () => {
  it('parses the ref (off without it) and the cases it compares', () => {
    const on = benchOptions(['--quick', '--baseline-ref', '661e1e9', '--cases', 'join,start'], {}, '/repo');
    expect(on.baselineRef).toBe('661e1e9');
    expect(on.durationS).toBe(2);
    expect(sideBySideCases(on.cases)).toEqual(['join', 'start']);
    expect(benchOptions([], {}, '/repo').baselineRef).toBeNull();
    expect(sideBySideCases(null)).toEqual(['join', 'heartbeat', 'start']);
    expect(sideBySideCases(['start', 'heartbeat', 'baseline'])).toEqual(['heartbeat', 'start']);
    expect(() => sideBySideCases(['join', 'v1-read'])).toThrow(/not v1-read/);
    // The /v1 join with a seat only when asked for.
    expect(sideBySideCases(['join-seat', 'join'])).toEqual(['join', 'join-seat']);
  });

  it('alternates which build goes first, slice after slice and round after round (ABBA)', () => {
    const firsts = (round: number) => [0, 1, 2, 3].map((i) => sliceOrder(round, i)[0]);
    expect(firsts(1)).toEqual(['baseline', 'this', 'baseline', 'this']);
    expect(firsts(2)).toEqual(['this', 'baseline', 'this', 'baseline']);
    for (const r of [1, 2]) for (const i of [0, 1]) expect([...sliceOrder(r, i)].sort()).toEqual(['baseline', 'this']);
  });

  it('a row is this build over the baseline: 2xx/s over the merged slices, and service CPU per 2xx', () => {
    const row = pairRuns('heartbeat', 2, [slice(1000, 500), slice(3000, 1500)], [slice(1200, 480), slice(2800, 1120)]);
    expect(row).toMatchObject({ name: 'heartbeat', round: 2 });
    expect(row.baseline.okPerS).toBe(1000);
    expect(row.this.okPerS).toBe(1000);
    expect(row.okRatio).toBe(1);
    expect(row.cpuPerOkRatio).toBeCloseTo(1600 / 4000 / (2000 / 4000));
    expect(pairRuns('join', 1, [slice(1000, null)], [slice(900, 10)]).cpuPerOkRatio).toBeNull();
    expect(pairRuns('join', 1, [slice(1000, null)], [slice(900, 10)]).okRatio).toBeCloseTo(0.9);
  });
});
