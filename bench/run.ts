import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { buildBaseline, buildEntry, type OrchestratorEntry } from './build.js';
import type { OpenStore } from './fixtures.js';
import { benchOptions, type BenchOptions } from './options.js';
import { measureSideBySide, sideBySideTable } from './side-by-side.js';
import { summariseSideBySide, summaryLine, writeSideBySide } from './side-by-side-report.js';
import { createStore } from '../src/store/create-db.js';
import { CASES, LIVE_SESSIONS, PLAYER_ADDRESSES } from './cases.js';
import { measureCases } from './measure.js';
import { profileCase } from './profile-run.js';
import {
  machineInfo,
  measuredCommit,
  runsTable,
  summarise,
  summaryTable,
  writeReport,
  type BenchReport,
} from './report.js';
import { measureScale } from './scale.js';
import { measureColdStarts } from './cold-start.js';

/**
 * `npm run bench`: a bare Fastify hello-world and the orchestrator (production build) as child
 * processes, loaded in turn from this process; then the 10,000-row reconcile pass, and profiles
 * of the cases that missed their target. Writes bench/results/<date>.json and .md.
 */
async function main(argv: string[], env: Readonly<Record<string, string | undefined>>): Promise<void> {
  const o = benchOptions(argv, env, path.resolve(import.meta.dirname, '..'));
  const say = (line: string) => console.log(line);
  const loadAvgAtStart = os.loadavg().map((x) => Math.round(x * 100) / 100);
  if (o.scaleOnly) {
    say(`bench: the scale case only; load average ${loadAvgAtStart.join(' ')}`);
    for (const line of (await measureScale(o.repoRoot, say)).lines) say(`scale: ${line}`);
    say(
      `load average at the end ${os
        .loadavg()
        .map((x) => Math.round(x * 100) / 100)
        .join(' ')}`,
    );
    return;
  }
  say(
    `bench: ${o.durationS} s per run, ${o.connections} connections, ${o.rounds} runs per case; load average ${loadAvgAtStart.join(' ')}`,
  );
  const entry = buildEntry(o.repoRoot, o.build);
  say(`orchestrator entry: ${entry.script} (${entry.note})`);
  if (o.baselineRef) {
    await sideBySide(o, entry, o.baselineRef, say, argv, loadAvgAtStart);
    return;
  }
  if (o.coldStartOnly) {
    for (const line of (await measureColdStarts(o, entry, say)).lines) say(`cold start: ${line}`);
    say(
      `load average at the end ${os
        .loadavg()
        .map((x) => Math.round(x * 100) / 100)
        .join(' ')}`,
    );
    return;
  }
  const notes = [
    'Request logging is off in the measured runs (LOG_LEVEL=warn); `join+log` is join against a third process with LOG_LEVEL=info (pino writing every request to a pipe the bench reads).',
    'Orchestrator env: the defaults except START_RATE_LIMIT_PER_MIN=0 and SESSIONS_PER_ADDRESS=0 (one generator makes every start), TRUST_PROXY=loopback, MAX_SERVERS=0 (external servers only), INTERNAL_HMAC_SECRET set, START_TIMEOUT_S=2, reaping deadlines (HEARTBEAT_PERIOD_S, SESSION_*) pushed out so the reconciler leaves the fixtures alone; the reconcile loop runs at its default interval. JOIN_FAIL_LIMIT_PER_MIN is at its default (30).',
    `\`join\` and \`v1-read\` ask for a different one of ${LIVE_SESSIONS.toLocaleString('en')} live sessions on every request, each from one of ${PLAYER_ADDRESSES.toLocaleString('en')} player addresses (X-Forwarded-For through the trusted proxy), so the guess limit reads (join) or reserves and refunds (v1-read) that address's count every time. From one address, 50 connections at once would be refused by design (lookups in flight count against the limit).`,
    '`start` and `start@1` send a fresh Idempotency-Key on every request, as the client SDK does.',
    'The start cases load an orchestrator of their own, a fresh one for each run (same build and settings); join, v1-read and heartbeat load one holding the live sessions and 1,000 busy servers.',
    'CPU: the load generator (autocannon in the bench process, one thread) and the loaded service, each as a share of one core over the run. A ratio whose baseline slices had the generator at 90% of a core or more is marked: that baseline is what the generator could send, not what the machine could serve, so the ratio is too high.',
    'autocannon records latency in whole milliseconds; p50 0 means under 1 ms.',
  ];
  const measurements = await measureCases(o, entry, say);
  const summary = summarise(measurements.runs, CASES);
  say('\n' + runsTable(measurements.runs) + '\n\n' + summaryTable(summary) + '\n');

  const join = summary.find((s) => s.name === 'join');
  const logged = summary.find((s) => s.name === 'join+log');
  const logCost: BenchReport['logCost'] =
    join && logged
      ? {
          joinOkPerS: join.meanOkPerS,
          withLoggingOkPerS: logged.meanOkPerS,
          p99Ms: logged.worstP99Ms,
          costPct: Math.round((1 - logged.meanOkPerS / join.meanOkPerS) * 1000) / 10,
        }
      : null;
  if (logCost)
    say(
      `request logging (LOG_LEVEL=info) on join: ${logCost.costPct}% fewer requests/s than LOG_LEVEL=warn in the same rounds`,
    );

  const scale = o.scale ? await measureScale(o.repoRoot, say) : null;
  for (const line of scale?.lines ?? []) say(`scale: ${line}`);
  const coldStart = o.coldStart ? await measureColdStarts(o, entry, say) : null;
  for (const line of coldStart?.lines ?? []) say(`cold start: ${line}`);

  const profiles: BenchReport['profiles'] = [];
  if (o.profile) {
    for (const miss of summary.filter((s) => s.met === false)) {
      say(`profiling ${miss.name}…`);
      const p = await profileCase(
        o,
        entry,
        miss.name,
        measurements.startPool.fastestPerS,
        path.join(tmpdir(), 'orch-bench-profiles'),
      );
      profiles.push({ case: p.case, file: p.file, okPerS: p.load.okPerS, summary: p.summary });
      say(
        `  ${Math.round(p.load.okPerS)} req/s under the profiler; top self: ${p.summary.bySelf
          .slice(0, 5)
          .map((h) => `${h.name} ${h.selfPct}%`)
          .join('; ')}`,
      );
    }
  }

  const report: BenchReport = {
    date: new Date().toISOString().slice(0, 10),
    commit: measuredCommit(o.repoRoot),
    machine: machineInfo(loadAvgAtStart),
    orchestrator: { entry: entry.script, note: entry.note },
    settings: { durationS: o.durationS, connections: o.connections, rounds: o.rounds },
    measurements,
    summary,
    logCost,
    scale,
    coldStart,
    profiles,
    notes,
  };
  if (o.cases) say(`a partial run (--cases ${o.cases.join(',')}): no results file written`);
  else for (const file of writeReport(o.resultsDir, report)) say(`wrote ${path.relative(o.repoRoot, file)}`);
}

/**
 * `--baseline-ref`: join, heartbeat and start against an earlier build and this one, slices
 * paired; printed, and with all three cases written to bench/results/side-by-side-<date>.*.
 */
async function sideBySide(
  o: BenchOptions,
  entry: OrchestratorEntry,
  ref: string,
  say: (line: string) => void,
  argv: readonly string[],
  loadAvgAtStart: number[],
): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'orch-bench-baseline-'));
  try {
    const baseline = buildBaseline(o.repoRoot, ref, dir);
    say(`baseline build: ${baseline.script} (${baseline.note})`);
    const load = async (root: string) =>
      ((await import(pathToFileURL(path.join(root, 'store/create-db.js')).href)) as { createStore: OpenStore })
        .createStore;
    const runs = await measureSideBySide(
      o,
      [
        { name: 'baseline', entry: baseline, openStore: await load(path.join(baseline.dir, 'dist')) },
        { name: 'this', entry, openStore: createStore },
      ],
      say,
    );
    say('\n' + sideBySideTable(runs) + '\n');
    const summary = summariseSideBySide(runs);
    for (const s of summary) say(summaryLine(s));
    const machine = machineInfo(loadAvgAtStart);
    say(`load average at the end ${machine.loadAvgAtEnd.join(' ')}`);
    if (o.cases) {
      say(`a partial run (--cases ${o.cases.join(',')}): no results file written`);
      return;
    }
    const files = writeSideBySide(o.resultsDir, {
      date: new Date().toISOString().slice(0, 10),
      commit: measuredCommit(o.repoRoot),
      baseline: { ref, commit: baseline.commit },
      command: `npm run bench -- ${argv.join(' ')}`,
      machine,
      settings: { durationS: o.durationS, connections: o.connections, rounds: o.rounds },
      runs,
      summary,
    });
    for (const file of files) say(`wrote ${path.relative(o.repoRoot, file)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main(process.argv.slice(2), process.env).then(
  () => process.exit(0),
  (err) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
