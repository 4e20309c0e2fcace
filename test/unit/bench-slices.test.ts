import { describe, expect, it } from 'vitest';
import type { LoadResult } from '../../bench/load.js';
import { generatorBound, mergeLoads, slicesFor } from '../../bench/measure.js';

const slice = (
  ok: number,
  durationS: number,
  p50Ms: number,
  p99Ms: number,
  extra: Partial<LoadResult> = {},
): LoadResult => ({
  okPerS: ok / durationS,
  answersPerS: ok / durationS,
  p50Ms,
  p99Ms,
  non2xx: {},
  errors: 0,
  timeouts: 0,
  ok,
  durationS,
  generatorCpuMs: 0,
  serviceCpuMs: null,
  ...extra,
});

describe('bench: a run cut into slices paired with baseline slices', () => {
  it('10 s runs are five 2 s slices; a 2 s (--quick) run is one', () => {
    expect(slicesFor(10)).toBe(5);
    expect(slicesFor(2)).toBe(1);
    expect(slicesFor(0.5)).toBe(1);
  });

  it('merged slices: counts add up, rates over the summed time, the worst p99, never an optimistic latency', () => {
    const m = mergeLoads([
      slice(2000, 2, 1, 4),
      slice(1000, 2, 3, 30, { non2xx: { '503': 2 }, errors: 1, timeouts: 1 }),
      slice(3000, 2, 2, 5, { non2xx: { '503': 1, '401': 4 } }),
    ]);
    expect(m.ok).toBe(6000);
    expect(m.okPerS).toBe(1000);
    expect(m.durationS).toBe(6);
    expect(m.p50Ms).toBe(2);
    expect(m.p99Ms).toBe(30);
    expect(m.non2xx).toEqual({ '503': 3, '401': 4 });
    expect(m.errors).toBe(1);
    expect(m.timeouts).toBe(1);
  });

  it('a baseline is bound by the load generator when it used 90% of a core in any slice; CPU times add up', () => {
    const free = slice(40_000, 2, 1, 5, { generatorCpuMs: 1500, serviceCpuMs: 1900 });
    const bound = slice(40_000, 2, 1, 5, { generatorCpuMs: 1850, serviceCpuMs: 1900 });
    expect(generatorBound([free, free])).toBe(false);
    expect(generatorBound([free, bound])).toBe(true);
    const merged = mergeLoads([free, bound]);
    expect(merged.generatorCpuMs).toBe(3350);
    expect(merged.serviceCpuMs).toBe(3800);
    expect(mergeLoads([free, slice(1, 2, 1, 5)]).serviceCpuMs).toBeNull();
  });
});
