import type { CostRunResult } from './cost-results.js';
import { spread, type PolicyAcrossSeeds, type ScenarioAcrossSeeds } from './cost-seeds.js';

/** DigitalOcean's per-token API limits. */
export const API_LIMITS = { perMinute: 250, perHour: 5000 };

export interface PolicyRun {
  label: string;
  policy: 'fixed' | 'forecast';
  /** Pool size (fixed) or POOL_TARGET_INSTANT (forecast). */
  param: number;
  result: CostRunResult;
}

export interface ScenarioReport {
  name: 'steady' | 'cold' | 'day' | 'burst' | 'sun';
  title: string;
  /** 'window': starts and billing within the measured window (steady state); 'run': the whole run. */
  measured: 'window' | 'run';
  sessions: number;
  maxServers: number;
  bootS: number;
  recycleFixed: boolean;
  runs: PolicyRun[];
}

/** The two numbers a studio weighs, as the scenario measures them. */
export function headline(
  sc: Pick<ScenarioReport, 'measured'>,
  r: CostRunResult,
): { instant: number; ratio: number; starts: number; served: number } {
  return sc.measured === 'window'
    ? {
        instant: r.windowInstant / Math.max(1, r.windowStarts),
        ratio: r.hourRatio,
        starts: r.windowStarts,
        served: r.windowInstant,
      }
    : { instant: r.instant / Math.max(1, r.starts), ratio: r.ratio, starts: r.starts, served: r.instant };
}

/** a is at least as good as b on both (more instant, less billed per played) and better on one. */
export function dominates(sc: Pick<ScenarioReport, 'measured'>, a: CostRunResult, b: CostRunResult): boolean {
  const x = headline(sc, a);
  const y = headline(sc, b);
  return x.instant >= y.instant && x.ratio <= y.ratio && (x.instant > y.instant || x.ratio < y.ratio);
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** "median [min–max]" of the values, each shown by `fmt`; just the value when all seeds agree or there is one. */
export function medianRange(values: readonly number[], fmt: (x: number) => string): string {
  const s = spread(values);
  if (s.n === 0) return '—';
  const m = fmt(s.median);
  return s.n === 1 || fmt(s.min) === fmt(s.max) ? m : `${m} [${fmt(s.min)}–${fmt(s.max)}]`;
}

const heads = (sc: Pick<ScenarioAcrossSeeds, 'measured'>, p: PolicyAcrossSeeds) =>
  p.bySeed.map((x) => headline(sc, x.result));
const worst = (p: PolicyAcrossSeeds, f: (r: CostRunResult) => number) => Math.max(...p.bySeed.map((x) => f(x.result)));
const total = (p: PolicyAcrossSeeds, f: (r: CostRunResult) => number) => p.bySeed.reduce((n, x) => n + f(x.result), 0);

function table(sc: ScenarioAcrossSeeds): string {
  const head = [
    'policy',
    'seeds',
    'instant, median [range]',
    'billed/played, median [range]',
    'per seed: instant, billed/played',
    sc.measured === 'window' ? 'whole run' : 'arrival window',
    'wait p99 s (worst)',
    'failed (all seeds)',
    'max live (worst)',
    'API max/min (worst)',
    'API max/h (worst)',
  ];
  if (sc.name === 'day') head.push('quiet: idle droplet-h (boots excluded)');
  const rows = sc.policies.map((p) => {
    const h = heads(sc, p);
    const row = [
      p.label,
      `${p.bySeed.length}/${sc.seeds.length}`,
      medianRange(
        h.map((x) => x.instant),
        pct,
      ),
      medianRange(
        h.map((x) => x.ratio),
        (x) => x.toFixed(3),
      ),
      p.bySeed.map((x, i) => `${x.seed}: ${pct(h[i]!.instant)}, ${h[i]!.ratio.toFixed(3)}`).join('; '),
      medianRange(
        p.bySeed.map((x) => (sc.measured === 'window' ? x.result.ratio : x.result.hourRatio)),
        (x) => x.toFixed(3),
      ),
      String(worst(p, (r) => r.waitP99S)),
      String(total(p, (r) => r.failed)),
      `${worst(p, (r) => r.maxLiveDroplets)} / ${sc.maxServers}`,
      String(worst(p, (r) => r.maxApiPerMinute)),
      String(worst(p, (r) => r.maxApiPerHour)),
    ];
    if (sc.name === 'day')
      row.push(
        `${medianRange(
          p.bySeed.map((x) => (x.result.quietHeldDropletS ?? 0) / 3600),
          (x) => x.toFixed(3),
        )} (${medianRange(
          p.bySeed.map((x) => (x.result.quietIdleDropletS ?? 0) / 3600),
          (x) => x.toFixed(2),
        )} with boots)`,
      );
    return row;
  });
  return markdownTable(head, rows);
}

function markdownTable(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The follow-the-sun day per region: instant, billed/played and the quiet hours' idle droplets. */
function regionTable(sc: ScenarioAcrossSeeds): string {
  const regions = [
    ...new Set(sc.policies.flatMap((p) => p.bySeed.flatMap((x) => x.result.regions ?? [])).map((r) => r.region)),
  ];
  const head = [
    'policy',
    ...regions.flatMap((r) => [`${r} instant`, `${r} billed/played`, `${r} quiet idle droplet-h per h`]),
  ];
  const rows = sc.policies.map((p) => [
    p.label,
    ...regions.flatMap((region) => {
      const rs = p.bySeed.flatMap((x) => x.result.regions?.filter((r) => r.region === region) ?? []);
      return [
        medianRange(
          rs.map((r) => r.instant / Math.max(1, r.starts)),
          pct,
        ),
        medianRange(
          rs.map((r) => r.ratio),
          (x) => x.toFixed(3),
        ),
        medianRange(
          rs.map((r) => r.quietHeldPerHour),
          (x) => x.toFixed(3),
        ),
      ];
    }),
  ]);
  return markdownTable(head, rows);
}

/** How many of a policy's seeds pass, as "PASS (3/3 seeds)" or "miss (2/3 seeds: …)". */
function verdict(p: PolicyAcrossSeeds, ok: (r: CostRunResult) => boolean): string {
  const failing = p.bySeed.filter((x) => !ok(x.result)).map((x) => x.seed);
  const n = p.bySeed.length;
  return failing.length === 0
    ? `PASS (${n}/${n} seeds)`
    : `miss (${n - failing.length}/${n} seeds; not on ${failing.join(', ')})`;
}

/** The done-when checks over every seed: a goal holds when it holds on each seed measured. */
export function checks(sc: ScenarioAcrossSeeds): string[] {
  const forecast = sc.policies.filter((r) => r.policy === 'forecast');
  const out: string[] = [];
  const summary = (p: PolicyAcrossSeeds) => {
    const h = heads(sc, p);
    return `${medianRange(
      h.map((x) => x.instant),
      pct,
    )} instant, billed/played ${medianRange(
      h.map((x) => x.ratio),
      (x) => x.toFixed(3),
    )}`;
  };
  if (sc.name === 'steady' || sc.name === 'cold') {
    for (const f of forecast) {
      const v = verdict(f, (r) => {
        const h = headline(sc, r);
        return h.instant >= 0.95 && h.ratio <= 1.2;
      });
      out.push(`${v} ${f.label}: ≥ 95% instant at ≤ 1.20 billed/played; ${summary(f)}`);
    }
  }
  if (sc.name === 'day') {
    for (const f of forecast)
      out.push(
        `${verdict(f, (r) => headline(sc, r).instant >= 0.95)} ${f.label}: ≥ 95% instant over the day; ${summary(f)}`,
      );
    for (const fx of sc.policies.filter((r) => r.policy === 'fixed' && r.param >= 1)) {
      // A target beats the fixed pool when it dominates it on every seed both were run on.
      const better = forecast.filter((f) => {
        const pairs = fx.bySeed.filter((x) => f.bySeed.some((y) => y.seed === x.seed));
        return (
          pairs.length > 0 &&
          pairs.every((x) => dominates(sc, f.bySeed.find((y) => y.seed === x.seed)!.result, x.result))
        );
      });
      out.push(
        `${better.length ? 'PASS' : 'miss'} ${fx.label} (${summary(fx)}) is dominated on every seed by forecast at ${better.length ? better.map((f) => f.label.replace('forecast ', '')).join(', ') : 'no target'}`,
      );
    }
    for (const f of forecast) {
      out.push(
        `${verdict(f, (r) => (r.quietHeldDropletS ?? 0) / 3600 < 0.05)} ${f.label}: quiet hours (00:30–06:30) hold < 0.05 droplet-h idle beyond boots and hand-overs; ` +
          `${medianRange(
            f.bySeed.map((x) => (x.result.quietHeldDropletS ?? 0) / 3600),
            (x) => x.toFixed(3),
          )} droplet-h, at most ${worst(f, (r) => r.quietMaxLive ?? 0)} droplets alive`,
      );
    }
  }
  if (sc.name === 'burst') {
    for (const f of forecast) {
      const v = verdict(
        f,
        (r) =>
          r.failed === 0 &&
          r.waitP99S <= sc.bootS + 10 &&
          r.maxLiveDroplets <= sc.maxServers &&
          r.maxApiPerMinute <= API_LIMITS.perMinute &&
          r.maxApiPerHour <= API_LIMITS.perHour,
      );
      out.push(
        `${v} ${f.label}: ${total(f, (r) => r.failed)} failed, p99 wait ≤ ${worst(f, (r) => r.waitP99S)} s (≤ ${sc.bootS + 10}), ` +
          `${worst(f, (r) => r.maxLiveDroplets)} live (≤ ${sc.maxServers}), API ${worst(f, (r) => r.maxApiPerMinute)}/min (≤ ${API_LIMITS.perMinute}) ` +
          `and ${worst(f, (r) => r.maxApiPerHour)}/h (≤ ${API_LIMITS.perHour})`,
      );
    }
  }
  if (sc.name === 'sun') out.push(...sunChecks(sc, forecast, summary));
  return out;
}

/** The follow-the-sun goals: ≥ 95% instant at ≤ 1.25 over the day; quiet regions ≤ 0.05 idle droplet-h per quiet hour. */
function sunChecks(
  sc: ScenarioAcrossSeeds,
  forecast: PolicyAcrossSeeds[],
  summary: (p: PolicyAcrossSeeds) => string,
): string[] {
  const out: string[] = [];
  for (const p of sc.policies) {
    const v = verdict(p, (r) => headline(sc, r).instant >= 0.95 && headline(sc, r).ratio <= 1.25);
    out.push(`${v} ${p.label}: ≥ 95% instant at ≤ 1.25 billed/played over the day; ${summary(p)}`);
  }
  for (const f of forecast) {
    const v = verdict(f, (r) => (r.regions ?? []).every((x) => x.quietHeldPerHour <= 0.05));
    const most = worst(f, (r) => Math.max(0, ...(r.regions ?? []).map((x) => x.quietHeldPerHour)));
    out.push(
      `${v} ${f.label}: each region's quiet hours (00:30–06:30 local) hold ≤ 0.05 idle droplet-h per hour; worst ${most.toFixed(3)}`,
    );
  }
  return out;
}

export function costMarkdown(reports: readonly ScenarioAcrossSeeds[], billingNote: string, commits: string[]): string {
  const parts = ['# Cost bench: the fixed pool against the forecasting pool', '', billingNote, ''];
  parts.push(
    `Measured at commit ${commits.join(', ') || 'unknown'}. Every figure is over the workload seeds named per scenario: the median, and [the lowest–the highest] when the seeds differ; ` +
      'a goal holds when it holds on every seed. ' +
      'Instant = the start was answered with a ready server (no boot wait). The sixth column is the other reading of billed/played ' +
      '(the whole run, or only the arrival window). Waits are over every start of the run. ' +
      'Max live = most droplets alive at once, against MAX_SERVERS. API = most requests the emulator counted in any sliding minute / hour (DigitalOcean allows 250 / 5,000).',
    '',
  );
  for (const sc of reports) {
    const measured =
      sc.measured === 'window'
        ? 'instant and billed/played measured within the hour (steady state)'
        : 'instant and billed/played over the whole run';
    const seeds = sc.seeds.map((s) => `${s.seed} (${s.sessions} sessions)`).join(', ');
    parts.push(
      `## ${sc.name}: ${sc.title}`,
      '',
      `Seeds ${seeds}. Boots ${sc.bootS} s; fixed pools with RECYCLE_SERVERS=${sc.recycleFixed}; forecast with recycling; ${measured}.`,
      '',
      table(sc),
      '',
    );
    if (sc.name === 'sun') parts.push(regionTable(sc), '');
    const c = checks(sc);
    if (c.length) parts.push(...c.map((l) => `- ${l}`), '');
  }
  return `${parts.join('\n')}\n`;
}
