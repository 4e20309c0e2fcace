import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchCase, CaseName, CaseTarget } from './cases.js';
import type { LoadResult } from './load.js';
import { slicesFor, type CaseRun, type Measurements } from './measure.js';
import type { ProfileSummary } from './profile-summary.js';
import type { ScaleResult } from './scale.js';
import type { ColdStartResult } from './cold-start.js';

/** A case's runs against its target. */
export interface CaseSummary {
  name: CaseName;
  meanOkPerS: number;
  meanRatio: number | null;
  worstP99Ms: number;
  non2xx: number;
  target: CaseTarget | null;
  met: boolean | null;
}

/** Everything one bench run found; written as results/<date>.json. */
export interface BenchReport {
  date: string;
  /** The commit measured (`git rev-parse HEAD`), with "-dirty" when the tree had changes. */
  commit: string;
  machine: {
    nproc: number;
    memoryGiB: number;
    cpu: string;
    node: string;
    platform: string;
    loadAvgAtStart: number[];
    loadAvgAtEnd: number[];
  };
  orchestrator: { entry: string; note: string };
  settings: { durationS: number; connections: number; rounds: number };
  measurements: Measurements;
  summary: CaseSummary[];
  /** join with request logging (LOG_LEVEL=info) against join without, same rounds. */
  logCost: { joinOkPerS: number; withLoggingOkPerS: number; p99Ms: number; costPct: number } | null;
  scale: ScaleResult | null;
  /** Cold starts on the DigitalOcean emulator with READINESS=address. */
  coldStart: ColdStartResult | null;
  profiles: { case: string; file: string; okPerS: number; summary: ProfileSummary }[];
  notes: string[];
}

/** The commit the working tree is at, "-dirty" when it has changes; "unknown" outside a git checkout. */
export function measuredCommit(repoRoot: string): string {
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: repoRoot,
      encoding: 'utf8',
    }).trim();
    return dirty ? `${head}-dirty` : head;
  } catch {
    return 'unknown';
  }
}

/** The machine; `loadAvgAtStart` is taken by the caller before the first run (other work on the box skews every number). */
export function machineInfo(loadAvgAtStart: number[]): BenchReport['machine'] {
  return {
    loadAvgAtStart,
    loadAvgAtEnd: os.loadavg().map((x) => Math.round(x * 100) / 100),
    nproc: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

/** Means of each case's runs, checked against its target. */
export function summarise(runs: CaseRun[], cases: readonly BenchCase[]): CaseSummary[] {
  return cases
    .filter((c) => runs.some((r) => r.name === c.name))
    .map((c) => {
      const mine = runs.filter((r) => r.name === c.name);
      const mean = (f: (r: CaseRun) => number) => mine.reduce((n, r) => n + f(r), 0) / Math.max(1, mine.length);
      const meanRatio = c.name === 'baseline' ? null : mean((r) => r.ratio ?? 0);
      const worstP99Ms = Math.max(...mine.map((r) => r.result.p99Ms));
      const non2xx = mine.reduce((n, r) => n + failures(r.result), 0);
      // A case with any non-2xx answer or socket error fails its target, whatever its rate.
      const met = c.target
        ? non2xx === 0 &&
          (meanRatio ?? 0) >= c.target.minRatio &&
          (c.target.maxP99Ms === undefined || worstP99Ms < c.target.maxP99Ms)
        : null;
      return {
        name: c.name,
        meanOkPerS: mean((r) => r.result.okPerS),
        meanRatio,
        worstP99Ms,
        non2xx,
        target: c.target,
        met,
      };
    });
}

function failures(r: LoadResult): number {
  return r.errors + Object.values(r.non2xx).reduce((a, b) => a + b, 0);
}

const pct = (x: number | null) => (x === null ? '—' : `${Math.round(x * 1000) / 10}%`);
const fail = (r: LoadResult) => {
  const codes = Object.entries(r.non2xx).map(([c, n]) => `${n}×${c}`);
  if (r.errors) codes.push(`${r.errors} errors${r.timeouts ? ` (${r.timeouts} of them timeouts)` : ''}`);
  return codes.length ? codes.join(', ') : '0';
};
const target = (t: CaseTarget | null) => {
  if (!t) return '—';
  const parts = [
    ...(t.minRatio > 0 ? [`≥ ${t.minRatio * 100}%`] : []),
    ...(t.maxP99Ms !== undefined ? [`p99 < ${t.maxP99Ms} ms`] : []),
  ];
  return parts.join(', ');
};

/** The tables, as Markdown (also printed to the terminal). */
/** CPU time over the run as a share of one core. */
const cores = (cpuMsUsed: number | null, durationS: number) =>
  cpuMsUsed === null ? '—' : `${Math.round(cpuMsUsed / (durationS * 10))}%`;

export function runsTable(runs: CaseRun[]): string {
  const rows = runs.map((r) => {
    const ratio = `${pct(r.ratio)}${r.baselineGeneratorBound ? ' (baseline bound by the load generator)' : ''}`;
    const cpu = `${cores(r.result.generatorCpuMs, r.result.durationS)} / ${cores(r.result.serviceCpuMs, r.result.durationS)}`;
    return `| ${r.name} | ${r.round} | ${Math.round(r.result.okPerS)} | ${r.result.p50Ms} | ${r.result.p99Ms} | ${r.baselineOkPerS === null ? '—' : Math.round(r.baselineOkPerS)} | ${ratio} | ${cpu} | ${fail(r.result)} |`;
  });
  return [
    '| case | run | requests/s (2xx) | p50 ms | p99 ms | its baseline slices, req/s | ratio to them | CPU of a core: generator / service | errors / non-2xx |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

export function summaryTable(s: CaseSummary[]): string {
  const met = (c: CaseSummary) =>
    c.met === null ? '—' : c.met ? 'yes' : c.non2xx > 0 ? '**no** (non-2xx or errors)' : '**no**';
  const rows = s.map(
    (c) =>
      `| ${c.name} | ${Math.round(c.meanOkPerS)} | ${pct(c.meanRatio)} | ${c.worstP99Ms} | ${c.non2xx} | ${target(c.target)} | ${met(c)} |`,
  );
  return [
    '| case | mean requests/s | mean ratio | worst p99 ms | non-2xx + errors | target | met |',
    '|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

function profileSection(p: BenchReport['profiles'][number]): string {
  const spots = (list: ProfileSummary['bySelf']) =>
    list.map((h) => `| ${h.name.replace(/\|/g, '\\|')} | ${h.selfPct} | ${h.totalPct} |`).join('\n');
  return [
    `### Profile: ${p.case} (${Math.round(p.okPerS)} req/s under the profiler; ${p.summary.busyMs} ms busy, ${p.summary.idlePct}% idle; \`${p.file}\`)`,
    '',
    'Self time by package: ' + p.summary.byPackage.map((x) => `${x.name} ${x.selfPct}%`).join(', '),
    '',
    'Time inside SQLite by statement: ' + p.summary.sqliteByCaller.map((x) => `${x.name} ${x.pct}%`).join(', '),
    '',
    '| hottest functions (self) | self % | total % |',
    '|---|---|---|',
    spots(p.summary.bySelf),
    '',
    '| our code by inclusive time | self % | total % |',
    '|---|---|---|',
    spots(p.summary.oursByTotal),
  ].join('\n');
}

/** The whole report as Markdown. */
export function markdown(r: BenchReport): string {
  const m = r.machine;
  const parts = [
    `# Benchmark ${r.date}`,
    '',
    `Commit measured: \`${r.commit}\`.`,
    '',
    `Machine: ${m.nproc} CPUs (${m.cpu}), ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}; load average ${m.loadAvgAtStart.join(' ')} at the start, ${m.loadAvgAtEnd.join(' ')} at the end (the bench shares the machine with whatever else runs).`,
    `Orchestrator: \`${r.orchestrator.entry}\` (${r.orchestrator.note}).`,
    `Load: autocannon in the bench process, ${r.settings.connections} connections, ${r.settings.durationS} s per run, ${r.settings.rounds} runs per case; requests/s counts 2xx answers. Each run is ${slicesFor(r.settings.durationS)} slice(s), each after a baseline slice as long: a ratio is a run's answers over its own baseline slices' (the baseline row of a round is all of its slices).`,
    '',
    '## Summary',
    '',
    summaryTable(r.summary),
    '',
    '## Runs',
    '',
    runsTable(r.measurements.runs),
    '',
    `Warm pool for the start cases: the 2 s probe did ${Math.round(r.measurements.startPool.probeOkPerS)} starts/s (fastest seen ${Math.round(r.measurements.startPool.fastestPerS)}/s); each start run had an orchestrator of its own on a fresh database holding a pool of 1.5 × fastest × (duration + 1 s) ready servers and nothing else, written through the store before it started, and 1 s of starts (unrecorded) before the run; ${r.measurements.startPool.prepared} ready servers in all.`,
  ];
  if (r.logCost) {
    parts.push(
      '',
      `Request logging (\`join+log\`: LOG_LEVEL=info, pino to a pipe the bench reads): ${Math.round(r.logCost.withLoggingOkPerS)} req/s against ${Math.round(r.logCost.joinOkPerS)} with LOG_LEVEL=warn in the same rounds (${r.logCost.costPct}% fewer), worst p99 ${r.logCost.p99Ms} ms.`,
    );
  }
  if (r.scale) parts.push('', '## Scale', '', ...r.scale.lines.map((l) => `- ${l}`));
  if (r.coldStart) parts.push('', '## Time to a playable server', '', ...r.coldStart.lines.map((l) => `- ${l}`));
  if (r.profiles.length) parts.push('', '## Profiles of the cases that missed', '', ...r.profiles.map(profileSection));
  if (r.notes.length) parts.push('', '## Notes', '', ...r.notes.map((n) => `- ${n}`));
  return parts.join('\n') + '\n';
}

/** Writes results/<date>.json and .md; returns their paths. */
export function writeReport(dir: string, r: BenchReport): string[] {
  mkdirSync(dir, { recursive: true });
  const json = path.join(dir, `${r.date}.json`);
  const md = path.join(dir, `${r.date}.md`);
  writeFileSync(json, JSON.stringify(r, null, 2) + '\n');
  writeFileSync(md, markdown(r));
  return [json, md];
}
