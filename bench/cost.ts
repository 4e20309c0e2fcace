import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runCostSimulation, type CostRunOptions, type CostRunResult } from './cost-sim.js';
import { costMarkdown, type ScenarioReport } from './cost-report.js';
import { commitsOf, joinSeeds, type SeedScenario } from './cost-seeds.js';
import { costSvg } from './cost-svg.js';
import {
  dayMultiplier,
  peakOf,
  planFollowTheSun,
  planProfileWorkload,
  planWorkload,
  quietWindows,
  type PlannedSession,
  type SunRegion,
} from './cost-workload.js';
import { measuredCommit } from './report.js';

const USAGE = `npx tsx bench/cost.ts [--scenario steady,cold,day,burst] [--sizes 0,1,…,8] [--targets 0.5,0.8,0.9,0.95,0.98,0.99]
                      [--recycle true|false] [--seeds 20261125,20261135,20261145] [--date YYYY-MM-DD]
  Emulated traffic on the DigitalOcean emulator (45 s boots; game servers heartbeat as soon as
  they boot, then every 30 s, HEARTBEAT_PERIOD_S's default), once per pool policy: the fixed
  pool at each size (POOL_POLICY=fixed, POOL_MIN_READY=n) and the forecasting pool at each
  target (POOL_POLICY=forecast, POOL_TARGET_INSTANT=p). Scenarios:
    steady  the hour: 200 sessions at random over 3,600 s, after 30 min of the same demand;
            measured within the hour (its starts; billed and played seconds inside it)
    cold    the same hour from nothing (no history for the forecast), measured over the run
    day     a day compressed into 6 h, noon to noon: 120 starts/h on average, near zero at night,
            an evening peak at 10x the mean
    burst   the steady hour with 10x the arrival rate for 10 minutes (launch day)
    sun     follow the sun: three regions, each the day's shape in its own time zone, evening
            peaks 8 h apart; each session starts in its own region (POST /v1/sessions' region);
            fixed n = n idle in every region (POOL_MIN_READY, REGION_POOL_MIN_READY), forecast
            = each region's own forecast; reported per region with its quiet hours
  Every scenario runs once per workload seed (--seeds; the first is the one committed before
  seeds were added); the report gives each figure's median and [range] over the seeds.
  Prints a table per scenario; writes bench/results/cost-<date>-<scenario>-s<seed>-<part>.json
  per seed, and cost-<date>.md and .svg from every file of that date (--date: rebuild another's).
  --part NAME names this process's share when a scenario is split over processes (results join).
  --trace prints the forecast once an emulated minute; --scenario '' only rebuilds the .md and .svg.
  --recycle sets RECYCLE_SERVERS for the fixed runs (default true, the better fixed pool);
  the forecasting runs always recycle (the forecast decides what to keep).`;

const REPO_ROOT = path.resolve(import.meta.dirname, '..');

const BILLING_NOTE =
  'Each droplet is billed per second from its create to its delete (or the end of the run), at least 60 s, ' +
  "as DigitalOcean's per-second billing does; played time runs from a start's answer to its game's end.";

const LENGTHS = { meanLengthS: 600, minLengthS: 60, maxLengthS: 2700 };
const BOOT_MS = 45_000;

interface Scenario {
  name: ScenarioReport['name'];
  measured: ScenarioReport['measured'];
  measureFromS: number;
  title: string;
  workload: PlannedSession[];
  windowS: number;
  maxServers: number;
  quiet: { fromS: number; toS: number } | null;
  /** Several regions (sun): their names (the first the default) and quiet hours. */
  regions?: CostRunOptions['regions'];
}

/** The follow-the-sun regions: local time 8 h behind the previous one; the first at 16:00 at second 0. */
const SUN_REGIONS: readonly SunRegion[] = [
  { region: 'sgp1', behindH: 0 },
  { region: 'ams3', behindH: 8 },
  { region: 'nyc3', behindH: 16 },
];
const SUN_DAY = { dayS: 6 * 3600, startAtH: 16 };

function scenarios(seed: number): Scenario[] {
  const steady = planWorkload({ sessions: 200, windowS: 3600, ...LENGTHS, seed });
  // Half an hour of the same demand first, so the hour is measured in a steady state.
  const preRoll = planWorkload({ sessions: 100, windowS: 1800, ...LENGTHS, seed: seed + 1 });
  const steadyWarm = [...preRoll, ...steady.map((x) => ({ ...x, arriveAtS: x.arriveAtS + 1800 }))];
  const dayS = 6 * 3600;
  const shape = dayMultiplier(dayS);
  // Noon to noon: the evening peak, then the night the pool must shrink through.
  const dayRate = (t: number) => (120 / 3600) * shape(t + dayS / 2);
  const day = planProfileWorkload({
    rateAt: dayRate,
    maxRate: (120 / 3600) * peakOf(shape, dayS),
    windowS: dayS,
    ...LENGTHS,
    seed,
  });
  const base = 200 / 3600;
  const burstRate = (t: number) => (t >= 1500 && t < 2100 ? 10 * base : base);
  const burst = planProfileWorkload({ rateAt: burstRate, maxRate: 10 * base, windowS: 3600, ...LENGTHS, seed });
  const sun = planFollowTheSun({ regions: SUN_REGIONS, ...SUN_DAY, meanPerHour: 120, ...LENGTHS, seed });
  return [
    {
      name: 'steady',
      title: 'Steady: the hour of 200 sessions, after 30 min of the same demand',
      measured: 'window',
      measureFromS: 1800,
      workload: steadyWarm,
      windowS: 3600,
      maxServers: 150,
      quiet: null,
    },
    {
      name: 'cold',
      title: 'The same hour from a cold start (no history; fixed pools start full)',
      measured: 'run',
      measureFromS: 0,
      workload: steady,
      windowS: 3600,
      maxServers: 150,
      quiet: null,
    },
    {
      name: 'day',
      title: `A day in 6 h (noon to noon): mean 120/h, peak ${peakOf(shape, dayS).toFixed(1)}x the mean at 20:00, ~2/h at night`,
      measured: 'run',
      measureFromS: 0,
      workload: day,
      windowS: dayS,
      maxServers: 400,
      // 00:30 to 06:30 of the compressed day (12.5 h to 18.5 h after noon).
      quiet: { fromS: (12.5 / 24) * dayS, toS: (18.5 / 24) * dayS },
    },
    {
      name: 'burst',
      title: 'Launch-day burst: 200/h, 10x (2,000/h) from minute 25 to 35',
      measured: 'run',
      measureFromS: 0,
      workload: burst,
      windowS: 3600,
      maxServers: 400,
      quiet: null,
    },
    {
      name: 'sun',
      title: `Follow the sun: ${SUN_REGIONS.map((r) => r.region).join(', ')}, each a day in 6 h at mean 120/h, evening peaks 8 h apart`,
      measured: 'run',
      measureFromS: 0,
      workload: sun,
      windowS: SUN_DAY.dayS,
      maxServers: 400,
      quiet: null,
      regions: {
        names: SUN_REGIONS.map((r) => r.region),
        quiet: Object.fromEntries(SUN_REGIONS.map((r) => [r.region, quietWindows(SUN_DAY, r)])),
      },
    },
  ];
}

const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** The CLI entry: the only place the cost bench reads its arguments. */
async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      seeds: { type: 'string', default: '20261125,20261135,20261145' },
      date: { type: 'string', default: new Date().toISOString().slice(0, 10) },
      scenario: { type: 'string', default: 'steady,cold,day,burst' },
      sizes: { type: 'string', default: '0,1,2,3,4,5,6,7,8' },
      targets: { type: 'string', default: '0.5,0.8,0.9,0.95,0.98,0.99' },
      recycle: { type: 'string', default: 'true' },
      part: { type: 'string', default: 'all' },
      trace: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return console.log(USAGE);
  const seeds = list(values.seeds).map(Number);
  if (seeds.length === 0 || seeds.some((x) => !Number.isSafeInteger(x) || x < 0))
    throw new Error(`--seeds wants whole numbers ≥ 0, got '${values.seeds}'`);
  const wanted = new Set(list(values.scenario));
  const sizes = list(values.sizes).map(Number);
  const targets = list(values.targets).map(Number);
  const recycleFixed = values.recycle !== 'false';
  const reports: SeedScenario[] = [];
  const date = values.date;
  const commit = measuredCommit(REPO_ROOT);
  const dir = path.join(REPO_ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const part = values.part.replace(/[^a-z0-9-]/gi, '');
  // Written after every run, so a long sweep cut short keeps what it measured.
  const save = (seed: number, r: ScenarioReport) =>
    writeFileSync(
      path.join(dir, `cost-${date}-${r.name}-s${seed}-${part}.json`),
      `${JSON.stringify({ date: new Date().toISOString(), seed, commit, billing: BILLING_NOTE, scenario: r }, null, 2)}\n`,
    );
  const planned = [...wanted].length ? seeds.flatMap((seed) => scenarios(seed).map((sc) => ({ seed, sc }))) : [];
  for (const { seed, sc } of planned.filter((x) => wanted.has(x.sc.name))) {
    const base: Omit<CostRunOptions, 'recycle' | 'policy' | 'targetInstant' | 'poolMinReady'> = {
      workload: sc.workload,
      maxServers: sc.maxServers,
      bootDelayMs: BOOT_MS,
      reconcileEveryS: 10,
      heartbeatEveryS: 30,
      warmupS: 60,
      windowS: sc.windowS,
      measureFromS: sc.measureFromS,
      quiet: sc.quiet,
      ...(sc.regions ? { regions: sc.regions } : {}),
      seed,
      trace: values.trace,
    };
    const runs: { label: string; policy: 'fixed' | 'forecast'; param: number; result: CostRunResult }[] = [];
    const report: ScenarioReport = {
      name: sc.name,
      title: sc.title,
      measured: sc.measured,
      sessions: sc.workload.length,
      maxServers: sc.maxServers,
      bootS: BOOT_MS / 1000,
      recycleFixed,
      runs,
    };
    for (const n of sizes) {
      const result = await runCostSimulation({
        ...base,
        recycle: recycleFixed,
        policy: 'fixed',
        targetInstant: 0.95,
        poolMinReady: n,
      });
      runs.push({ label: `fixed ${n}`, policy: 'fixed', param: n, result });
      save(seed, report);
      console.error(`${sc.name} seed ${seed}: fixed ${n} done (${(result.realMs / 1000).toFixed(0)} s)`);
    }
    for (const p of targets) {
      const result = await runCostSimulation({
        ...base,
        recycle: true,
        policy: 'forecast',
        targetInstant: p,
        poolMinReady: 0,
      });
      runs.push({ label: `forecast ${p}`, policy: 'forecast', param: p, result });
      save(seed, report);
      console.error(`${sc.name} seed ${seed}: forecast ${p} done (${(result.realMs / 1000).toFixed(0)} s)`);
    }
    reports.push({ seed, commit, scenario: report });
  }
  // The table and the plot from every file of the date (parts of a sweep may run in parallel).
  const files = readdirSync(dir)
    .filter((f) => f.startsWith(`cost-${date}-`) && f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as SeedScenario);
  const all = joinSeeds(files);
  console.log(costMarkdown(joinSeeds(reports), BILLING_NOTE, commitsOf(joinSeeds(reports))));
  writeFileSync(path.join(dir, `cost-${date}.md`), costMarkdown(all, BILLING_NOTE, commitsOf(all)));
  writeFileSync(path.join(dir, `cost-${date}.svg`), costSvg(all));
  const wrote = reports.length
    ? `bench/results/cost-${date}-<scenario>-s<seed>-${part}.json (${reports.length} scenario-seeds) and `
    : '';
  console.log(
    `wrote ${wrote}bench/results/cost-${date}.{md,svg} (${all.map((r) => `${r.name}: ${r.seeds.length} seeds`).join(', ')})`,
  );
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
