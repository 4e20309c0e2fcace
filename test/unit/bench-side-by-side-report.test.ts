import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LoadResult } from '../../bench/load.js';
import { benchOptions } from '../../bench/options.js';
import { pairRuns } from '../../bench/side-by-side.js';
import { summariseSideBySide, writeSideBySide } from '../../bench/side-by-side-report.js';

const slice = (ok: number, serviceCpuMs: number, durationS = 2): LoadResult => ({
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

describe('bench --baseline-ref: the per-case summary and its results file', () => {
  // Round 1: this build serves 0.9 of the baseline at 1.2 its CPU per answer; round 2: 1.1 at 0.9.
  const runs = [
    pairRuns('heartbeat', 1, [slice(1000, 100)], [slice(900, 108)]),
    pairRuns('heartbeat', 2, [slice(3000, 300)], [slice(3300, 297)]),
  ];

  it('an even number of rounds has the mean of the middle two as its median; pooled merges every slice', () => {
    const [s] = summariseSideBySide(runs);
    expect(s).toMatchObject({ name: 'heartbeat', rounds: 2 });
    expect(s!.medianOkRatio).toBeCloseTo(1.0);
    expect(s!.medianCpuPerOkRatio).toBeCloseTo(1.05);
    expect(s!.pooledOkRatio).toBeCloseTo(4200 / 4000);
    expect(s!.pooledCpuPerOkRatio).toBeCloseTo(405 / 4200 / (400 / 4000));
  });

  it('--rounds sets the runs per case (2 without it) and refuses what is not a count', () => {
    expect(benchOptions(['--rounds', '5'], {}, '/repo').rounds).toBe(5);
    expect(benchOptions([], {}, '/repo').rounds).toBe(2);
    expect(() => benchOptions(['--rounds', '0'], {}, '/repo')).toThrow(/--rounds/);
  });

  it('writes side-by-side-<date>.json and .md naming both commits and the command', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sbs-report-'));
    try {
      const files = writeSideBySide(dir, {
        date: '2026-12-07',
        commit: 'abcdef1234567890',
        baseline: { ref: '661e1e9', commit: '661e1e9c127dbaa4' },
        command: 'npm run bench -- --baseline-ref 661e1e9',
        machine: {
          loadAvgAtStart: [1],
          loadAvgAtEnd: [2],
          nproc: 2,
          memoryGiB: 4,
          cpu: 'cpu',
          node: 'v20',
          platform: 'linux',
        },
        settings: { durationS: 10, connections: 50, rounds: 2 },
        runs,
        summary: summariseSideBySide(runs),
      });
      expect(files.map((f) => path.basename(f))).toEqual([
        'side-by-side-2026-12-07.json',
        'side-by-side-2026-12-07.md',
      ]);
      const md = readFileSync(files[1]!, 'utf8');
      expect(md).toContain('abcdef123456 against 661e1e9 (661e1e9c127d)');
      expect(md).toContain('`npm run bench -- --baseline-ref 661e1e9`');
      expect(md).toContain('| heartbeat | 2 | 1.000 | 1.050 | 1.050 | 0.964 |');
      expect(JSON.parse(readFileSync(files[0]!, 'utf8'))).toMatchObject({ baseline: { ref: '661e1e9' } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
