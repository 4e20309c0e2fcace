import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { OrchestratorEntry } from './build.js';
import {
  BENCH_KEY,
  BLOCK,
  CASES,
  HEARTBEAT_SERVERS,
  LIVE_SESSIONS,
  PUBLIC_SESSIONS,
  type BenchCase,
  type CaseName,
} from './cases.js';
import type { ChildService } from './child-service.js';
import { registerByHeartbeat, startLiveSessions, startPublicSessions, type OpenStore } from './fixtures.js';
import { runLoad, type LoadResult } from './load.js';
import { mergeLoads, slicesFor, startOrchestrator, untilIdle, whileStopped } from './measure.js';
import type { BenchOptions } from './options.js';
import { StartWorlds } from './start-worlds.js';

/** The cases `--baseline-ref` compares: the speed bar. */
export const SIDE_BY_SIDE_CASES: readonly CaseName[] = ['join', 'heartbeat', 'start'];
/** Cases measured side by side only when `--cases` names them (the /v1 join with a seat, the lobby listing). */
export const SIDE_BY_SIDE_OPT_IN: readonly CaseName[] = ['join-seat', 'lobbies'];

/** One build in a side-by-side run. */
export interface Build {
  name: 'baseline' | 'this';
  entry: OrchestratorEntry;
  /** Its own store, to write the start cases' warm pools (its migrations, its schema). */
  openStore: OpenStore;
}

/** One case, one round: both builds' slices merged, and this build over the baseline. */
export interface PairedRun {
  name: CaseName;
  round: number;
  baseline: LoadResult;
  this: LoadResult;
  /** 2xx/s of this build over the baseline's (above 1: this build serves more). */
  okRatio: number;
  /** Service CPU per 2xx of this build over the baseline's (below 1: this build works less per answer); null without /proc. */
  cpuPerOkRatio: number | null;
}

/**
 * Which build runs first in slice `slice` of round `round`: ABBA, BAAB, … so neither build
 * always follows the other (a WAL checkpoint or a reconcile pass left behind by the one before
 * lands on both alike).
 */
export function sliceOrder(round: number, slice: number): ['baseline', 'this'] | ['this', 'baseline'] {
  return (round + slice) % 2 === 1 ? ['baseline', 'this'] : ['this', 'baseline'];
}

/** The cases of a side-by-side run: `--cases` among SIDE_BY_SIDE_CASES and SIDE_BY_SIDE_OPT_IN, or the first three. */
export function sideBySideCases(cases: readonly string[] | null): CaseName[] {
  if (!cases) return [...SIDE_BY_SIDE_CASES];
  const known = [...SIDE_BY_SIDE_CASES, ...SIDE_BY_SIDE_OPT_IN];
  const unknown = cases.filter((c) => c !== 'baseline' && !known.includes(c as CaseName));
  if (unknown.length > 0)
    throw new Error(`--baseline-ref compares ${known.join(', ')} only; not ${unknown.join(', ')}`);
  return known.filter((c) => cases.includes(c));
}

/** The paired slices of one case and round as one row. */
export function pairRuns(name: CaseName, round: number, base: LoadResult[], mine: LoadResult[]): PairedRun {
  const b = mergeLoads(base);
  const t = mergeLoads(mine);
  const cpuPerOk = (r: LoadResult) => (r.serviceCpuMs === null || r.ok === 0 ? null : r.serviceCpuMs / r.ok);
  const cb = cpuPerOk(b);
  const ct = cpuPerOk(t);
  return {
    name,
    round,
    baseline: b,
    this: t,
    okRatio: t.okPerS / b.okPerS,
    cpuPerOkRatio: cb === null || ct === null ? null : ct / cb,
  };
}

/** A build's worlds: the join/heartbeat orchestrator and its start worlds. */
interface World {
  build: Build;
  main: ChildService;
  starts: StartWorlds;
  joinCodes: string[];
}

/**
 * join, heartbeat and start against both builds in one run: each build has its own worlds (set
 * up alike), and every case's run is cut into slices that alternate between the builds
 * (sliceOrder), the other build's processes stopped (SIGSTOP) while one is loaded.
 */
export async function measureSideBySide(
  o: BenchOptions,
  builds: readonly [Build, Build],
  say: (line: string) => void,
): Promise<PairedRun[]> {
  const names = sideBySideCases(o.cases);
  const cases = names.map((n) => CASES.find((c) => c.name === n)!);
  const dir = mkdtempSync(path.join(tmpdir(), 'orch-bench-sbs-'));
  const worlds: World[] = [];
  try {
    for (const build of builds) {
      const main = await startOrchestrator(o, build.entry, path.join(dir, `${build.name}.db`));
      const own = path.join(dir, build.name);
      mkdirSync(own);
      const starts = new StartWorlds(
        own,
        (dbPath) => startOrchestrator(o, build.entry, dbPath),
        o.connections,
        build.openStore,
      );
      worlds.push({ build, main, starts, joinCodes: [] });
      const w = worlds[worlds.length - 1]!;
      if (names.includes('join') || names.includes('join-seat'))
        w.joinCodes = await startLiveSessions(main.url, BENCH_KEY, BLOCK.sessions, LIVE_SESSIONS);
      // The lobbies case lists public sessions over the live (private) ones, as `npm run bench` does.
      if (names.includes('lobbies')) {
        if (w.joinCodes.length === 0)
          w.joinCodes = await startLiveSessions(main.url, BENCH_KEY, BLOCK.sessions, LIVE_SESSIONS);
        await startPublicSessions(main.url, BENCH_KEY, BLOCK.lobbies, PUBLIC_SESSIONS);
      }
      if (names.includes('heartbeat')) {
        const n = await registerByHeartbeat({
          url: main.url,
          key: BENCH_KEY,
          block: BLOCK.busy,
          next: { n: 0 },
          count: HEARTBEAT_SERVERS,
          players: 1,
        });
        if (n !== HEARTBEAT_SERVERS)
          throw new Error(`${build.name}: registered ${n} of ${HEARTBEAT_SERVERS} busy servers`);
      }
      if (names.includes('start')) await starts.probe((line) => say(`${build.name}: ${line}`));
      say(`${build.name}: ${build.entry.script} (pid ${main.pid}), ${build.entry.note}`);
    }
    // Both builds' start worlds share the faster probe's pool size, so neither runs dry.
    const fastest = Math.max(...worlds.map((w) => w.starts.fastestPerS));
    for (const w of worlds) w.starts.ran(fastest);
    const warmS = Math.min(2, o.durationS);
    for (const c of cases.filter((x) => !x.claims))
      for (const w of worlds)
        await runLoad({ url: w.main.url, connections: o.connections, durationS: warmS, request: requestOf(c, w) });
    const runs: PairedRun[] = [];
    for (let round = 1; round <= o.rounds; round++)
      for (const c of cases) {
        const row = await pairedRun(o, round, c, worlds, say);
        runs.push(row);
        say(
          `round ${round} ${c.name.padEnd(9)} baseline ${Math.round(row.baseline.okPerS)} req/s, this ${Math.round(row.this.okPerS)} req/s: this/baseline ${row.okRatio.toFixed(3)}` +
            (row.cpuPerOkRatio === null
              ? ''
              : `; service CPU per answer this/baseline ${row.cpuPerOkRatio.toFixed(3)}`),
        );
      }
    return runs;
  } finally {
    for (const w of worlds) {
      await w.starts.stop();
      await w.main.stop();
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One request generator per build and run (a heartbeat's numbers its signatures). */
function requestOf(c: BenchCase, w: World) {
  return c.request({ joinCodes: { warm: w.joinCodes, logged: [] } });
}

async function pairedRun(
  o: BenchOptions,
  round: number,
  c: BenchCase,
  worlds: World[],
  say: (line: string) => void,
): Promise<PairedRun> {
  const targets = new Map<Build['name'], { child: ChildService; request: ReturnType<typeof requestOf> }>();
  for (const w of worlds) {
    const child = c.claims ? await w.starts.forRun(o.durationS, c.connections ?? o.connections) : w.main;
    targets.set(w.build.name, { child, request: requestOf(c, w) });
  }
  const slices = slicesFor(o.durationS);
  const sliceS = o.durationS / slices;
  const results: Record<Build['name'], LoadResult[]> = { baseline: [], this: [] };
  const pidsOf = (name: Build['name']) => {
    const w = worlds.find((x) => x.build.name === name)!;
    return [w.main.pid, ...(w.starts.child ? [w.starts.child.pid] : [])];
  };
  for (let i = 0; i < slices; i++) {
    for (const name of sliceOrder(round, i)) {
      const other = name === 'this' ? 'baseline' : 'this';
      if ((await untilIdle([...pidsOf('baseline'), ...pidsOf('this')])) === null)
        say(`warning: round ${round} ${c.name}: the orchestrators did not go idle before a slice`);
      const t = targets.get(name)!;
      results[name].push(
        await whileStopped(pidsOf(other), () =>
          runLoad({
            url: t.child.url,
            connections: c.connections ?? o.connections,
            durationS: sliceS,
            request: t.request,
            servicePid: t.child.pid,
          }),
        ),
      );
      const gone = t.child.ended();
      if (gone)
        throw new Error(
          `${name} orchestrator ended during ${c.name}, round ${round}: ${gone}\n${t.child.output().slice(-3000)}`,
        );
    }
  }
  return pairRuns(c.name, round, results.baseline, results.this);
}

/** The printed table: every round's ratios, then the median per case. */
export function sideBySideTable(runs: readonly PairedRun[]): string {
  const lines = [
    '| case | round | baseline 2xx/s | this 2xx/s | this/baseline 2xx/s | this/baseline service CPU per 2xx |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of runs)
    lines.push(
      `| ${r.name} | ${r.round} | ${Math.round(r.baseline.okPerS)} | ${Math.round(r.this.okPerS)} | ${r.okRatio.toFixed(3)} | ${r.cpuPerOkRatio?.toFixed(3) ?? 'n/a'} |`,
    );
  return lines.join('\n');
}
