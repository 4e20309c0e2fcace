import { describe, expect, it } from 'vitest';
import { checks, costMarkdown, medianRange, type ScenarioReport } from '../../bench/cost-report.js';
import { summariseRegions, type CostRunResult } from '../../bench/cost-results.js';
import { joinSeeds, spread, type SeedScenario } from '../../bench/cost-seeds.js';
import { costSvg } from '../../bench/cost-svg.js';
import { localHour, planFollowTheSun, quietWindow, type SunRegion } from '../../bench/cost-workload.js';

/** A run with the two headline numbers of a 'run' scenario (instant of 100 starts, billed/played). */
const result = (instant: number, ratio: number, extra: Partial<CostRunResult> = {}): CostRunResult =>
  ({
    starts: 100,
    instant,
    ratio,
    windowStarts: 100,
    windowInstant: instant,
    hourRatio: ratio,
    failed: 0,
    waitP99S: 0,
    maxLiveDroplets: 1,
    maxApiPerMinute: 1,
    maxApiPerHour: 1,
    quietHeldDropletS: 0,
    quietIdleDropletS: 0,
    quietMaxLive: 0,
    ...extra,
  }) as CostRunResult;

const file = (
  seed: number,
  name: ScenarioReport['name'],
  runs: [string, number, number][],
  commit = 'c1',
): SeedScenario => ({
  seed,
  commit,
  scenario: {
    name,
    title: name,
    measured: name === 'steady' ? 'window' : 'run',
    sessions: 100 + seed,
    maxServers: 150,
    bootS: 45,
    recycleFixed: true,
    runs: runs.map(([label, instant, ratio]) => ({
      label,
      policy: label.startsWith('fixed') ? 'fixed' : 'forecast',
      param: Number(label.split(' ')[1]),
      result: result(instant, ratio),
    })),
  },
});

describe('cost bench over several workload seeds', () => {
  it('spread: the median is the middle value, or the mean of the middle two; the range is min to max', () => {
    expect(spread([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3, n: 3 });
    expect(spread([4, 1, 2, 3])).toEqual({ median: 2.5, min: 1, max: 4, n: 4 });
    expect(spread([])).toEqual({ median: 0, min: 0, max: 0, n: 0 });
    expect(medianRange([1.252, 1.193, 1.2], (x) => x.toFixed(3))).toBe('1.200 [1.193–1.252]');
    expect(medianRange([0.5, 0.5], (x) => x.toFixed(1))).toBe('0.5');
  });

  it("joins a seed's parts by policy and keeps every seed's run of a policy beside the others", () => {
    const joined = joinSeeds([
      file(2, 'steady', [['forecast 0.95', 97, 1.25]]),
      file(1, 'steady', [['forecast 0.95', 98, 1.19]]),
      file(1, 'steady', [
        ['fixed 6', 96, 1.2],
        ['forecast 0.95', 10, 9],
      ]),
      file(1, 'day', [['forecast 0.95', 92, 1.16]]),
    ]);
    expect(joined.map((s) => s.name)).toEqual(['steady', 'day']);
    const steady = joined[0]!;
    expect(steady.seeds).toEqual([
      { seed: 1, sessions: 101 },
      { seed: 2, sessions: 102 },
    ]);
    expect(steady.policies.map((p) => p.label)).toEqual(['fixed 6', 'forecast 0.95']);
    // Seed 1's second file does not replace the forecast run its first file had.
    expect(steady.policies[1]!.bySeed.map((x) => [x.seed, x.result.ratio])).toEqual([
      [1, 1.19],
      [2, 1.25],
    ]);
  });

  it('runs of one policy measured at two commits are two rows, each named with its commit', () => {
    const [steady] = joinSeeds([
      file(
        1,
        'steady',
        [
          ['fixed 6', 96, 1.18],
          ['forecast 0.95', 97, 1.2],
        ],
        'aaaaaaaaa1',
      ),
      file(1, 'steady', [['forecast 0.95', 96, 1.17]], 'bbbbbbbbb2'),
      file(2, 'steady', [['forecast 0.95', 98, 1.25]], 'aaaaaaaaa1'),
    ]);
    expect(steady!.policies.map((p) => [p.label, p.bySeed.map((x) => x.seed)])).toEqual([
      ['fixed 6', [1]],
      ['forecast 0.95 @ aaaaaaa', [1, 2]],
      ['forecast 0.95 @ bbbbbbb', [1]],
    ]);
  });

  it('a goal holds only when it holds on every seed; the report says which seeds miss', () => {
    const [steady] = joinSeeds([
      file(1, 'steady', [
        ['forecast 0.95', 98, 1.19],
        ['forecast 0.9', 96, 1.15],
      ]),
      file(2, 'steady', [
        ['forecast 0.95', 98, 1.25],
        ['forecast 0.9', 95, 1.16],
      ]),
      file(3, 'steady', [
        ['forecast 0.95', 97, 1.2],
        ['forecast 0.9', 95.5, 1.18],
      ]),
    ]);
    // (the fixture's instant counts are out of 100 starts)
    const lines = checks(steady!);
    expect(lines[0]).toMatch(
      /^PASS \(3\/3 seeds\) forecast 0\.9: .*95\.5% \[95\.0%–96\.0%\] instant, billed\/played 1\.160 \[1\.150–1\.180\]/,
    );
    expect(lines[1]).toMatch(/^miss \(2\/3 seeds; not on 2\) forecast 0\.95:/);
    const md = costMarkdown([steady!], 'billing', ['c1']);
    expect(md).toContain('Measured at commit c1');
    expect(md).toContain(
      '| forecast 0.95 | 3/3 | 98.0% [97.0%–98.0%] | 1.200 [1.190–1.250] | 1: 98.0%, 1.190; 2: 98.0%, 1.250; 3: 97.0%, 1.200 |',
    );
    // One median point per policy, with a whisker per axis.
    expect(costSvg([steady!]).match(/<circle cx/g)).toHaveLength(2);
  });

  it('the day: ≥ 95% instant and beating a fixed pool are checked on each seed', () => {
    const [day] = joinSeeds([
      file(1, 'day', [
        ['fixed 4', 63, 1.22],
        ['forecast 0.95', 96, 1.16],
      ]),
      file(2, 'day', [
        ['fixed 4', 70, 1.15],
        ['forecast 0.95', 88.6, 1.17],
      ]),
    ]);
    const lines = checks(day!);
    expect(lines[0]).toMatch(/^miss \(1\/2 seeds; not on 2\) forecast 0\.95: ≥ 95% instant over the day/);
    // On seed 2 the forecast is more instant but dearer than fixed 4: not dominated there.
    expect(lines[1]).toMatch(/^miss fixed 4 .* dominated on every seed by forecast at no target/);
  });
});

describe('the follow-the-sun day', () => {
  const regions: SunRegion[] = [
    { region: 'sgp1', behindH: 0 },
    { region: 'ams3', behindH: 8 },
    { region: 'nyc3', behindH: 16 },
  ];
  const day = { dayS: 6 * 3600, startAtH: 16 };
  const lengths = { meanLengthS: 600, minLengthS: 60, maxLengthS: 2700 };
  const plan = planFollowTheSun({ regions, ...day, meanPerHour: 120, ...lengths, seed: 20261125 });

  it("each region's evening peak comes 8 hours after the previous region's", () => {
    const hourS = day.dayS / 24;
    const peakHour = (region: string) => {
      const counts = new Array<number>(24).fill(0);
      for (const x of plan.filter((p) => p.region === region)) counts[Math.floor(x.arriveAtS / hourS)]!++;
      return counts.indexOf(Math.max(...counts));
    };
    // 20:00 local: sgp1 at 16:00 + 4 h, ams3 8 h later, nyc3 16 h later.
    expect(regions.map((r) => peakHour(r.region))).toEqual([4, 12, 20]);
    expect(localHour(day, regions[1]!, 12 * hourS)).toBe(20);
  });

  it('arrivals are tagged, in time order, about 120 per hour per region, the same for the same seed', () => {
    for (const r of regions) {
      const n = plan.filter((p) => p.region === r.region).length;
      // 720 expected over 6 h; a Poisson count is within 4.5 standard deviations (±121).
      expect(Math.abs(n - 720)).toBeLessThan(121);
    }
    expect(plan.every((p, i) => i === 0 || plan[i - 1]!.arriveAtS <= p.arriveAtS)).toBe(true);
    expect(planFollowTheSun({ regions, ...day, meanPerHour: 120, ...lengths, seed: 20261125 })).toEqual(plan);
    const other = planFollowTheSun({ regions, ...day, meanPerHour: 120, ...lengths, seed: 20261135 });
    expect(other).not.toEqual(plan);
  });

  it("a region's quiet hours are 00:30-06:30 of its local time", () => {
    const hourS = day.dayS / 24;
    expect(quietWindow(day, regions[0]!)).toEqual({ fromS: 8.5 * hourS, toS: 14.5 * hourS });
    expect(quietWindow(day, regions[1]!)).toEqual({ fromS: 16.5 * hourS, toS: 22.5 * hourS });
    expect(quietWindow(day, regions[2]!)).toEqual({ fromS: 0.5 * hourS, toS: 6.5 * hourS });
  });

  it('per region: instant share, billed over played, and idle droplets held per quiet hour', () => {
    const s = 1000;
    const [a, b] = summariseRegions({
      regions: ['a', 'b'],
      droplets: [
        // Booted 45 s, a game from 100 s to 400 s, deleted at 1,000 s: 655 s held idle.
        { region: 'a', createdAtMs: 0, activeAtMs: 45 * s, deletedAtMs: 1000 * s },
        { region: 'b', createdAtMs: 0, activeAtMs: 45 * s, deletedAtMs: 100 * s },
      ],
      starts: [
        { region: 'a', requestedAtMs: 100 * s, answeredAtMs: 100 * s, reused: true, failed: null },
        { region: 'a', requestedAtMs: 500 * s, answeredAtMs: 545 * s, reused: false, failed: null },
      ],
      games: [{ region: 'a', fromMs: 100 * s, toMs: 400 * s }],
      endMs: 2000 * s,
      quiet: { a: [{ startMs: 0, endMs: 2000 * s }], b: [] },
    });
    expect(a).toMatchObject({ starts: 2, instant: 1, billedDropletS: 1000, playedSessionS: 300, quietS: 2000 });
    expect(a!.quietHeldDropletS).toBe(655);
    expect(a!.quietHeldPerHour).toBeCloseTo(655 / 2000, 9);
    expect(b).toMatchObject({ starts: 0, billedDropletS: 100, playedSessionS: 0, quietS: 0, quietHeldPerHour: 0 });
  });
});
