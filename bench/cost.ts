import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runCostSimulation, type CostRunOptions, type CostRunResult } from './cost-sim.js';
import { costMarkdown, costSvg, type ScenarioReport } from './cost-report.js';
import { dayMultiplier, peakOf, planProfileWorkload, planWorkload, type PlannedSession } from './cost-workload.js';

const USAGE = `npx tsx bench/cost.ts [--scenario steady,cold,day,burst] [--sizes 0,1,…,8] [--targets 0.5,0.8,0.9,0.95,0.98,0.99]
                      [--recycle true|false] [--seed N]
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
  Prints a table per scenario; writes bench/results/cost-<date>.json, .md and .svg.
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
}

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
      title: `A day in 6 h (noon to noon): ${day.length} sessions, mean 120/h, peak ${peakOf(shape, dayS).toFixed(1)}x the mean at 20:00, ~2/h at night`,
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
      title: `Launch-day burst: 200/h, 10x (2,000/h) from minute 25 to 35; ${burst.length} sessions`,
      measured: 'run',
      measureFromS: 0,
      workload: burst,
      windowS: 3600,
      maxServers: 400,
      quiet: null,
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
      seed: { type: 'string', default: '20261125' },
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
  const seed = Number(values.seed);
  const wanted = new Set(list(values.scenario));
  const sizes = list(values.sizes).map(Number);
  const targets = list(values.targets).map(Number);
  const recycleFixed = values.recycle !== 'false';
  const reports: ScenarioReport[] = [];
  const date = new Date().toISOString().slice(0, 10);
  const dir = path.join(REPO_ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const part = values.part.replace(/[^a-z0-9-]/gi, '');
  // Written after every run, so a long sweep cut short keeps what it measured.
  const save = (r: ScenarioReport) =>
    writeFileSync(
      path.join(dir, `cost-${date}-${r.name}-${part}.json`),
      `${JSON.stringify({ date: new Date().toISOString(), seed, billing: BILLING_NOTE, scenario: r }, null, 2)}\n`,
    );
  for (const sc of scenarios(seed).filter((s) => wanted.has(s.name))) {
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
      save(report);
      console.error(`${sc.name}: fixed ${n} done (${(result.realMs / 1000).toFixed(0)} s)`);
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
      save(report);
      console.error(`${sc.name}: forecast ${p} done (${(result.realMs / 1000).toFixed(0)} s)`);
    }
    reports.push(report);
  }
  // The table and the plot from every scenario measured today (parts of a sweep may run in parallel).
  const order = ['steady', 'cold', 'day', 'burst'];
  const byName = new Map<string, ScenarioReport>();
  for (const f of readdirSync(dir).filter((f) => f.startsWith(`cost-${date}-`) && f.endsWith('.json'))) {
    const sc = (JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { scenario: ScenarioReport }).scenario;
    const seen = byName.get(sc.name);
    // Parts of one scenario (run by separate processes) share its workload: their runs join.
    if (seen) seen.runs.push(...sc.runs.filter((r) => !seen.runs.some((x) => x.label === r.label)));
    else byName.set(sc.name, sc);
  }
  const all = [...byName.values()].sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  for (const sc of all)
    sc.runs.sort((a, b) => (a.policy === b.policy ? a.param - b.param : a.policy === 'fixed' ? -1 : 1));
  const md = costMarkdown(all, BILLING_NOTE);
  console.log(costMarkdown(reports, BILLING_NOTE));
  writeFileSync(path.join(dir, `cost-${date}.md`), md);
  writeFileSync(path.join(dir, `cost-${date}.svg`), costSvg(all));
  console.log(
    `wrote bench/results/cost-${date}-{${reports.map((r) => r.name).join(',')}}.json and cost-${date}.{md,svg} (${all.map((r) => r.name).join(', ')})`,
  );
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
