import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BenchReport } from './report.js';
import { pairRuns, sideBySideTable, type PairedRun } from './side-by-side.js';

/** One case over every round: the median of the rounds' ratios and the ratios of all rounds' slices pooled. */
export interface SideBySideSummary {
  name: PairedRun['name'];
  rounds: number;
  /** Median of the rounds' this/baseline 2xx/s (the mean of the middle two for an even count). */
  medianOkRatio: number;
  /** Median of the rounds' this/baseline service CPU per 2xx; null without /proc. */
  medianCpuPerOkRatio: number | null;
  /** Every round's slices of each build merged: this/baseline 2xx/s. */
  pooledOkRatio: number;
  /** The same for the service CPU per 2xx (below 1: this build works less per answer). */
  pooledCpuPerOkRatio: number | null;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length / 2;
  return s.length % 2 === 1 ? s[Math.floor(mid)]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Per case, in the order the cases ran. */
export function summariseSideBySide(runs: readonly PairedRun[]): SideBySideSummary[] {
  return [...new Set(runs.map((r) => r.name))].map((name) => {
    const mine = runs.filter((r) => r.name === name);
    const cpu = mine.map((r) => r.cpuPerOkRatio).filter((x): x is number => x !== null);
    const pooled = pairRuns(
      name,
      0,
      mine.map((r) => r.baseline),
      mine.map((r) => r.this),
    );
    return {
      name,
      rounds: mine.length,
      medianOkRatio: median(mine.map((r) => r.okRatio)),
      medianCpuPerOkRatio: cpu.length === mine.length && cpu.length > 0 ? median(cpu) : null,
      pooledOkRatio: pooled.okRatio,
      pooledCpuPerOkRatio: pooled.cpuPerOkRatio,
    };
  });
}

/** One printed line per case. */
export function summaryLine(s: SideBySideSummary): string {
  const cpu = (x: number | null) => (x === null ? 'n/a' : x.toFixed(3));
  return (
    `${s.name}: this/baseline over ${s.rounds} rounds: 2xx/s median ${s.medianOkRatio.toFixed(3)}, pooled ${s.pooledOkRatio.toFixed(3)}; ` +
    `service CPU per 2xx median ${cpu(s.medianCpuPerOkRatio)}, pooled ${cpu(s.pooledCpuPerOkRatio)}`
  );
}

/** What a side-by-side results file holds. */
export interface SideBySideReport {
  date: string;
  /** This build's commit (`-dirty` with uncommitted changes). */
  commit: string;
  /** The baseline: the ref given and the commit it named. */
  baseline: { ref: string; commit: string };
  command: string;
  machine: BenchReport['machine'];
  settings: { durationS: number; connections: number; rounds: number };
  runs: PairedRun[];
  summary: SideBySideSummary[];
}

/** Writes bench/results/side-by-side-<date>.json and .md; returns their paths. */
export function writeSideBySide(dir: string, r: SideBySideReport): string[] {
  mkdirSync(dir, { recursive: true });
  const base = path.join(dir, `side-by-side-${r.date}`);
  const cpu = (x: number | null) => (x === null ? 'n/a' : x.toFixed(3));
  const md = [
    `# Side by side, ${r.date}: ${r.commit.slice(0, 12)} against ${r.baseline.ref} (${r.baseline.commit.slice(0, 12)})`,
    '',
    `Command: \`${r.command}\`. ${r.settings.rounds} rounds of ${r.settings.durationS} s per case, ${r.settings.connections} connections; every run cut into slices that alternate between the builds (ABBA), the other build stopped meanwhile.`,
    '',
    `Machine: ${r.machine.nproc} × ${r.machine.cpu}, ${r.machine.memoryGiB} GiB, Node ${r.machine.node}; load average ${r.machine.loadAvgAtStart.join(' ')} at the start, ${r.machine.loadAvgAtEnd.join(' ')} at the end.`,
    '',
    '## Every round',
    '',
    sideBySideTable(r.runs),
    '',
    '## Per case (this over the baseline: above 1 is more 2xx/s, below 1 is less CPU per answer)',
    '',
    '| case | rounds | 2xx/s median | 2xx/s pooled | service CPU per 2xx median | service CPU per 2xx pooled |',
    '|---|---|---|---|---|---|',
    ...r.summary.map(
      (s) =>
        `| ${s.name} | ${s.rounds} | ${s.medianOkRatio.toFixed(3)} | ${s.pooledOkRatio.toFixed(3)} | ${cpu(s.medianCpuPerOkRatio)} | ${cpu(s.pooledCpuPerOkRatio)} |`,
    ),
    '',
  ].join('\n');
  writeFileSync(`${base}.json`, JSON.stringify(r, null, 2) + '\n');
  writeFileSync(`${base}.md`, md);
  return [`${base}.json`, `${base}.md`];
}
