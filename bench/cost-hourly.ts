import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { HETZNER_BILLING } from '../src/domain/billing-rule.js';
import { runCostSimulation, type CostRunResult } from './cost-sim.js';
import { dayMultiplier, peakOf, planProfileWorkload, planWorkload, type PlannedSession } from './cost-workload.js';
import { measuredCommit } from './report.js';

const USAGE = `npx tsx bench/cost-hourly.ts [--scenario steady,day] [--seeds 20261125,20261135,20261145] [--target 0.95] [--date YYYY-MM-DD]
  The cost bench's steady hour and moving day (the workloads of bench/cost.ts, same seeds) billed
  by the hour as Hetzner Cloud bills (a started hour in full), the forecasting pool at --target,
  once with the billing-aware pool (POOL_BILLING_AWARE=true: an extra idle server is kept while
  its hour is paid, deleted 180 s before the next) and once without; the DigitalOcean emulator's
  machines, 45 s boots. Writes bench/results/cost-hourly-<date>-<scenario>-s<seed>.json per run
  pair and cost-hourly-<date>.md from every file of that date: median [range] over the seeds.`;

const REPO_ROOT = path.resolve(import.meta.dirname, '..');
const LENGTHS = { meanLengthS: 600, minLengthS: 60, maxLengthS: 2700 };

interface Scenario {
  name: 'steady' | 'day';
  workload: PlannedSession[];
  windowS: number;
  measureFromS: number;
  maxServers: number;
  /** steady: billed and played inside the measured hour; day: over the run. */
  window: boolean;
}

/** The same workloads as bench/cost.ts's steady and day scenarios. */
function scenarios(seed: number): Scenario[] {
  const steady = planWorkload({ sessions: 200, windowS: 3600, ...LENGTHS, seed });
  const preRoll = planWorkload({ sessions: 100, windowS: 1800, ...LENGTHS, seed: seed + 1 });
  const steadyWarm = [...preRoll, ...steady.map((x) => ({ ...x, arriveAtS: x.arriveAtS + 1800 }))];
  const dayS = 6 * 3600;
  const shape = dayMultiplier(dayS);
  const dayRate = (t: number) => (120 / 3600) * shape(t + dayS / 2);
  const day = planProfileWorkload({
    rateAt: dayRate,
    maxRate: (120 / 3600) * peakOf(shape, dayS),
    windowS: dayS,
    ...LENGTHS,
    seed,
  });
  return [
    { name: 'steady', workload: steadyWarm, windowS: 3600, measureFromS: 1800, maxServers: 150, window: true },
    { name: 'day', workload: day, windowS: dayS, measureFromS: 0, maxServers: 400, window: false },
  ];
}

interface PairFile {
  date: string;
  seed: number;
  commit: string;
  scenario: 'steady' | 'day';
  target: number;
  aware: CostRunResult;
  plain: CostRunResult;
}

const instant = (r: CostRunResult, window: boolean) =>
  window ? r.windowInstant / Math.max(1, r.windowStarts) : r.instant / Math.max(1, r.starts);
const ratio = (r: CostRunResult, window: boolean) => (window ? r.hourRatio : r.ratio);

function medianRange(xs: number[], f: (x: number) => string): string {
  const s = [...xs].sort((a, b) => a - b);
  const median = s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  return `${f(median)} [${f(s[0]!)}–${f(s[s.length - 1]!)}]`;
}

function markdown(files: PairFile[]): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const r3 = (x: number) => x.toFixed(3);
  const out = [
    '# Cost bench under hourly billing: billing-aware pool against the same pool without it',
    '',
    "Billing: Hetzner Cloud's rule (src/domain/billing-rule.ts HETZNER_BILLING): every machine is billed from its create in whole hours, a started hour in full (a machine deleted after 5 minutes costs an hour). " +
      'The machines are the DigitalOcean emulator’s (45 s boots); only the rule differs. Played time runs from a start’s answer to its game’s end. ' +
      'Both runs: POOL_POLICY=forecast at the same POOL_TARGET_INSTANT, RECYCLE_SERVERS=true; "aware" keeps an extra idle server while its hour is paid and deletes it 180 s (POOL_BILLING_MARGIN_S) before the next, "plain" (POOL_BILLING_AWARE=false) deletes it at once. ' +
      'Timings of this loaded machine do not enter the figures (the clock is emulated).',
    '',
    `Commits measured: ${[...new Set(files.map((f) => f.commit))].join(', ')}. Steady: instant and billed/played within the measured hour; day: over the run.`,
    '',
    '| scenario | target | seeds | instant, aware | instant, plain | billed/played, aware | billed/played, plain | billed/played saved by aware | machines made, aware / plain |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const name of ['steady', 'day'] as const) {
    const fs = files.filter((f) => f.scenario === name).sort((a, b) => a.seed - b.seed);
    if (fs.length === 0) continue;
    const w = name === 'steady';
    const saved = fs.map((f) => 1 - ratio(f.aware, w) / ratio(f.plain, w));
    out.push(
      `| ${name} | ${fs[0]!.target} | ${fs.map((f) => f.seed).join(', ')} | ${medianRange(
        fs.map((f) => instant(f.aware, w)),
        pct,
      )} | ${medianRange(
        fs.map((f) => instant(f.plain, w)),
        pct,
      )} | ${medianRange(
        fs.map((f) => ratio(f.aware, w)),
        r3,
      )} | ${medianRange(
        fs.map((f) => ratio(f.plain, w)),
        r3,
      )} | ${medianRange(saved, pct)} | ${fs.map((f) => `${f.aware.dropletsCreated}/${f.plain.dropletsCreated}`).join(', ')} |`,
    );
  }
  out.push('', 'Per seed (instant aware / plain, billed/played aware / plain):', '');
  for (const f of files.sort((a, b) => a.scenario.localeCompare(b.scenario) || a.seed - b.seed)) {
    const w = f.scenario === 'steady';
    out.push(
      `- ${f.scenario} seed ${f.seed}: instant ${pct(instant(f.aware, w))} / ${pct(instant(f.plain, w))}, billed/played ${r3(ratio(f.aware, w))} / ${r3(ratio(f.plain, w))}`,
    );
  }
  return `${out.join('\n')}\n`;
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      seeds: { type: 'string', default: '20261125,20261135,20261145' },
      scenario: { type: 'string', default: 'steady,day' },
      target: { type: 'string', default: '0.95' },
      date: { type: 'string', default: new Date().toISOString().slice(0, 10) },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return console.log(USAGE);
  const seeds = values.seeds.split(',').filter(Boolean).map(Number);
  const wanted = new Set(values.scenario.split(',').filter(Boolean));
  const target = Number(values.target);
  const dir = path.join(REPO_ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const commit = measuredCommit(REPO_ROOT);
  for (const seed of seeds) {
    for (const sc of scenarios(seed).filter((s) => wanted.has(s.name))) {
      const run = (aware: boolean) =>
        runCostSimulation({
          recycle: true,
          workload: sc.workload,
          policy: 'forecast',
          targetInstant: target,
          poolMinReady: 0,
          maxServers: sc.maxServers,
          bootDelayMs: 45_000,
          reconcileEveryS: 10,
          heartbeatEveryS: 30,
          warmupS: 60,
          windowS: sc.windowS,
          measureFromS: sc.measureFromS,
          quiet: null,
          seed,
          billing: { rule: HETZNER_BILLING, aware },
        });
      const aware = await run(true);
      const plain = await run(false);
      const file: PairFile = { date: values.date, seed, commit, scenario: sc.name, target, aware, plain };
      writeFileSync(
        path.join(dir, `cost-hourly-${values.date}-${sc.name}-s${seed}.json`),
        `${JSON.stringify(file, null, 2)}\n`,
      );
      console.error(
        `${sc.name} seed ${seed}: aware ${ratio(aware, sc.window).toFixed(3)} plain ${ratio(plain, sc.window).toFixed(3)}`,
      );
    }
  }
  const files = readdirSync(dir)
    .filter((f) => f.startsWith(`cost-hourly-${values.date}-`) && f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as PairFile);
  const md = markdown(files);
  writeFileSync(path.join(dir, `cost-hourly-${values.date}.md`), md);
  console.log(md);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
