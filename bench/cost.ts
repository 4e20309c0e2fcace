import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runCostSimulation, type CostRunOptions, type CostRunResult } from './cost-sim.js';
import { planWorkload, type WorkloadOptions } from './cost-workload.js';

const USAGE = `npx tsx bench/cost.ts [--seed N] [--sessions N]
  An emulated hour of sessions on the DigitalOcean emulator (45 s boots, a warm pool of 2),
  run twice: with RECYCLE_SERVERS off and on. Prints billed droplet-seconds per played
  session-second and the waits; writes bench/results/cost-<date>.json.`;

const REPO_ROOT = path.resolve(import.meta.dirname, '..');

const BILLING_NOTE =
  'Each droplet is billed per second from its create to its delete (or the end of the run), at least 60 s, ' +
  "as DigitalOcean's per-second billing does; played time runs from a start's answer to its game's end.";

/** The CLI entry: the only place the cost bench reads its arguments. */
async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { seed: { type: 'string', default: '20261125' }, sessions: { type: 'string', default: '200' }, help: { type: 'boolean', default: false } } });
  if (values.help) return console.log(USAGE);
  const workloadOptions: WorkloadOptions = { sessions: Number(values.sessions), windowS: 3600, meanLengthS: 600, minLengthS: 60, maxLengthS: 2700, seed: Number(values.seed) };
  const workload = planWorkload(workloadOptions);
  const base: Omit<CostRunOptions, 'recycle'> = { workload, poolMinReady: 2, maxServers: 150, bootDelayMs: 45_000, reconcileEveryS: 10, heartbeatEveryS: 10, warmupS: 60, windowS: workloadOptions.windowS, seed: workloadOptions.seed };
  const runs: CostRunResult[] = [];
  for (const recycle of [false, true]) runs.push(await runCostSimulation({ ...base, recycle }));
  console.log(table(runs));
  console.log(`\n${BILLING_NOTE}`);
  for (const r of runs) if (r.endErrors.length > 0) console.log(`warning: ${r.endErrors.length} ends refused (recycle=${r.recycle}): ${r.endErrors.slice(0, 3).join('; ')}`);
  const file = writeResults({ date: new Date().toISOString(), workload: workloadOptions, settings: { ...base, workload: undefined }, billing: BILLING_NOTE, runs });
  console.log(`wrote ${path.relative(REPO_ROOT, file)}`);
}

const h = (s: number) => (s / 3600).toFixed(2);

function table(runs: readonly CostRunResult[]): string {
  const rows: [string, (r: CostRunResult) => string][] = [
    ['billed droplet-s / played session-s, whole run', (r) => r.ratio.toFixed(3)],
    ['  billed droplet-h / played session-h', (r) => `${h(r.billedDropletS)} / ${h(r.playedSessionS)}`],
    ['  unplayed: booting (create → active), h', (r) => h(r.bootDropletS)],
    ['  unplayed: idle in the pool, hand-overs, h', (r) => h(r.billedDropletS - r.playedSessionS - r.bootDropletS)],
    ['billed / played, the arrival hour only', (r) => r.hourRatio.toFixed(3)],
    ['droplets created', (r) => String(r.dropletsCreated)],
    ['starts: instant (from the pool)', (r) => `${r.instant} of ${r.starts}`],
    ['starts: waited for a boot', (r) => String(r.waited)],
    ['starts: failed', (r) => String(r.failed)],
    ['wait p50 / p99, all starts (s)', (r) => `${r.waitP50S} / ${r.waitP99S}`],
    ['wait p50 / p99, starts that waited (s)', (r) => `${r.waitedP50S} / ${r.waitedP99S}`],
    ['emulated time (s) / real time (s)', (r) => `${r.emulatedS} / ${(r.realMs / 1000).toFixed(1)}`],
  ];
  const head = ['', ...runs.map((r) => (r.recycle ? 'RECYCLE_SERVERS=true' : 'RECYCLE_SERVERS=false'))];
  const body = rows.map(([label, f]) => [label, ...runs.map(f)]);
  const widths = head.map((_, i) => Math.max(...[head, ...body].map((row) => row[i]!.length)));
  const line = (row: string[]) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), ...body.map(line)].join('\n');
}

function writeResults(report: object): string {
  const dir = path.join(REPO_ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `cost-${new Date().toISOString().slice(0, 10)}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
