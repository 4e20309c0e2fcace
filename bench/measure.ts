import { mkdtempSync, rmSync } from 'node:fs';
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
  orchestratorEnv,
  type BenchCase,
  type CaseContext,
  type CaseName,
} from './cases.js';
import { spawnService, type ChildService } from './child-service.js';
import { registerByHeartbeat, startLiveSessions, startPublicSessions } from './fixtures.js';
import { cpuMs, runLoad, type LoadResult } from './load.js';
import type { BenchOptions } from './options.js';
import { StartWorlds } from './start-worlds.js';

/** One measured run of one case. */
export interface CaseRun {
  name: CaseName;
  round: number;
  result: LoadResult;
  /** 2xx/s over the 2xx/s of the baseline slices paired with this run's slices; null for the baseline. */
  ratio: number | null;
  /** Those paired baseline slices' 2xx/s (null for the baseline row itself). */
  baselineOkPerS: number | null;
  /**
   * Whether the load generator (this process, one thread) was the bottleneck of those baseline
   * slices: then the baseline is a floor, not what the machine can serve, and the ratio is high.
   */
  baselineGeneratorBound: boolean;
}

/** The generator used at least this share of one core over a slice: it, not the service, set the pace. */
export const GENERATOR_BOUND_SHARE = 0.9;

/** True when any of these slices had the generator at GENERATOR_BOUND_SHARE of a core or more. */
export function generatorBound(slices: readonly LoadResult[]): boolean {
  return slices.some((r) => r.generatorCpuMs >= GENERATOR_BOUND_SHARE * r.durationS * 1000);
}

export interface Measurements {
  runs: CaseRun[];
  /** The warm pools of the start cases: the probe's rate, the fastest seen, ready servers written in all. */
  startPool: { probeOkPerS: number; fastestPerS: number; prepared: number };
}

interface Children {
  hello: ChildService;
  orchestrator: ChildService;
  /**
   * The start cases' orchestrators, a fresh one per claiming run (see StartWorlds): their warm
   * pool (and the sessions they leave) would otherwise be the join and heartbeat cases' world too.
   */
  starts: StartWorlds;
  logged: ChildService | null;
}

function targetOf(c: BenchCase, children: Children): ChildService {
  if (c.on === 'starts') {
    if (!children.starts.child) throw new Error('no start world: the probe runs first');
    return children.starts.child;
  }
  return c.on === 'hello' ? children.hello : c.on === 'logged' ? children.logged! : children.orchestrator;
}

/** Starts the children, sets up the fixtures, and runs every case `rounds` times, rounds interleaved. */
export async function measureCases(
  o: BenchOptions,
  entry: OrchestratorEntry,
  say: (line: string) => void,
): Promise<Measurements> {
  const dir = mkdtempSync(path.join(tmpdir(), 'orch-bench-'));
  const started: ChildService[] = [];
  const track = async (p: Promise<ChildService>) => {
    const c = await p;
    started.push(c);
    return c;
  };
  const starts = new StartWorlds(dir, (dbPath) => startOrchestrator(o, entry, dbPath), o.connections);
  try {
    const children: Children = {
      hello: await track(
        spawnService({
          nodeArgs: ['--import', 'tsx'],
          script: 'bench/hello-server.ts',
          args: ['{port}'],
          env: o.childEnv,
          cwd: o.repoRoot,
        }),
      ),
      orchestrator: await track(startOrchestrator(o, entry, path.join(dir, 'bench.db'))),
      starts,
      logged: o.logCost ? await track(startOrchestrator(o, entry, path.join(dir, 'logged.db'), 'info')) : null,
    };
    say(
      `orchestrator: ${entry.script} (pid ${children.orchestrator.pid}), baseline: bench/hello-server.ts (pid ${children.hello.pid})`,
    );
    const url = children.orchestrator.url;
    const warm = await startLiveSessions(url, BENCH_KEY, BLOCK.sessions, LIVE_SESSIONS);
    const logged = children.logged
      ? await startLiveSessions(children.logged.url, BENCH_KEY, BLOCK.sessions, LIVE_SESSIONS)
      : [];
    await startPublicSessions(url, BENCH_KEY, BLOCK.lobbies, PUBLIC_SESSIONS);
    say(`join worlds: ${warm.length} live sessions each; ${PUBLIC_SESSIONS} of them public (lobbies) on the first`);
    const busy = await registerByHeartbeat({
      url,
      key: BENCH_KEY,
      block: BLOCK.busy,
      next: { n: 0 },
      count: HEARTBEAT_SERVERS,
      players: 1,
    });
    if (busy !== HEARTBEAT_SERVERS) throw new Error(`registered ${busy} of ${HEARTBEAT_SERVERS} busy servers`);
    const probeOkPerS = await starts.probe(say);
    const ctx: CaseContext = { joinCodes: { warm, logged } };
    const cases = CASES.filter(
      (c) => (c.on !== 'logged' || children.logged) && (!o.cases || c.name === 'baseline' || o.cases.includes(c.name)),
    );
    await warmUp(o, cases, children, ctx, say);
    const runs: CaseRun[] = [];
    for (let round = 1; round <= o.rounds; round++) runs.push(...(await runRound(o, round, cases, children, ctx, say)));
    return { runs, startPool: { probeOkPerS, fastestPerS: starts.fastestPerS, prepared: starts.prepared } };
  } finally {
    await starts.stop();
    for (const c of started.reverse()) await c.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Before round 1, each case that claims nothing runs once unrecorded (2 s at most): the
 * children's code is optimised by then and the set-up's burst of writes (tens of thousands of
 * registrations) is checkpointed, so round 1 measures the same steady service as round 2.
 */
async function warmUp(
  o: BenchOptions,
  cases: readonly BenchCase[],
  children: Children,
  ctx: CaseContext,
  say: (line: string) => void,
): Promise<void> {
  const durationS = Math.min(2, o.durationS);
  const warmed = cases.filter((x) => !x.claims);
  for (const c of warmed) {
    const target = targetOf(c, children);
    await runLoad({ url: target.url, connections: c.connections ?? o.connections, durationS, request: c.request(ctx) });
  }
  say(`warm-up: ${warmed.map((c) => c.name).join(', ')} for ${durationS} s each, not recorded`);
}

/**
 * Slices per measured run: each case's run is cut into this many slices, each following a
 * baseline slice of the same length, and its ratio is its answers over those baseline slices'.
 * This machine's speed drifts by tens of percent within a minute (one run saw the baseline at
 * 39k req/s in round 1 and 22k in round 2); a ratio against a baseline measured minutes
 * earlier measured the drift as much as the case. Paired 2 s slices see the same machine.
 */
export function slicesFor(durationS: number): number {
  return Math.max(1, Math.round(durationS / 2));
}

async function runRound(
  o: BenchOptions,
  round: number,
  cases: readonly BenchCase[],
  children: Children,
  ctx: CaseContext,
  say: (line: string) => void,
): Promise<CaseRun[]> {
  const runs: CaseRun[] = [];
  const baseline = cases.find((c) => c.name === 'baseline')!;
  const baselineSlices: LoadResult[] = [];
  const slices = slicesFor(o.durationS);
  const sliceS = o.durationS / slices;
  for (const c of cases) {
    if (c === baseline) continue;
    // A claiming run gets a fresh world (its warm-up included); it starts once the new
    // orchestrator's first reconcile pass over the pool and the warm-up's writes are done.
    if (c.claims) {
      const child = await children.starts.forRun(o.durationS, c.connections ?? o.connections);
      if ((await untilIdle([child.pid])) === null)
        say(
          `warning: round ${round}: the start orchestrator did not go idle within ${IDLE_WAIT_MS} ms before ${c.name}`,
        );
    }
    const target = targetOf(c, children);
    // One request for the whole run: a heartbeat's request numbers its signatures, and a
    // second one would start over and replay the first's.
    const request = c.request(ctx);
    const mine: LoadResult[] = [];
    const base: LoadResult[] = [];
    for (let i = 0; i < slices; i++) {
      // The baseline shares the machine with the orchestrators: measured while one works (a
      // reconcile pass, a WAL checkpoint catching up), it would come out low and the ratio high.
      // They are let finish what they are doing, then stopped (SIGSTOP) for the slice: a
      // reconcile pass is due every 10 s, and one over a start case's pool of tens of thousands
      // of servers can land in a baseline slice (before this, a run's baseline slices measured
      // 23k req/s before the start cases and 42k before join).
      const orchestrators = [
        children.orchestrator.pid,
        ...(children.starts.child ? [children.starts.child.pid] : []),
        ...(children.logged ? [children.logged.pid] : []),
      ];
      const waited = await untilIdle(orchestrators);
      if (waited === null)
        say(
          `warning: round ${round}: the orchestrators did not go idle within ${IDLE_WAIT_MS} ms before a baseline slice`,
        );
      base.push(
        await whileStopped(orchestrators, () =>
          runLoad({
            url: children.hello.url,
            connections: o.connections,
            durationS: sliceS,
            request: baseline.request(ctx),
            servicePid: children.hello.pid,
          }),
        ),
      );
      mine.push(
        await runLoad({
          url: target.url,
          connections: c.connections ?? o.connections,
          durationS: sliceS,
          request,
          servicePid: target.pid,
        }),
      );
      // A child that died mid-run (a crash, or something outside killing it) must not pass as a row of errors.
      const gone = target.ended();
      if (gone)
        throw new Error(
          `${c.on} process (pid ${target.pid}) ended during ${c.name}, round ${round}: ${gone}\n${target.output().slice(-3000)}`,
        );
    }
    const result = mergeLoads(mine);
    const paired = mergeLoads(base);
    baselineSlices.push(...base);
    if (c.claims) children.starts.ran(result.okPerS);
    runs.push({
      name: c.name,
      round,
      result,
      ratio: result.okPerS / paired.okPerS,
      baselineOkPerS: paired.okPerS,
      baselineGeneratorBound: generatorBound(base),
    });
    say(
      `round ${round} ${c.name.padEnd(9)} ${Math.round(result.okPerS)} req/s p50 ${result.p50Ms} ms p99 ${result.p99Ms} ms; its baseline slices ${Math.round(paired.okPerS)} req/s`,
    );
  }
  // The round's baseline row: every baseline slice of the round together.
  if (baselineSlices.length > 0)
    runs.unshift({
      name: 'baseline',
      round,
      result: mergeLoads(baselineSlices),
      ratio: null,
      baselineOkPerS: null,
      baselineGeneratorBound: generatorBound(baselineSlices),
    });
  return runs;
}

/**
 * Slices of one run as one result: counts add up, rates over the summed durations; the p50
 * is the median of the slices' p50s and the p99 the worst slice's (autocannon gives
 * percentiles, not histograms: an upper bound, never an optimistic one).
 */
export function mergeLoads(parts: readonly LoadResult[]): LoadResult {
  if (parts.length === 1) return parts[0]!;
  const sum = (f: (r: LoadResult) => number) => parts.reduce((n, r) => n + f(r), 0);
  const durationS = sum((r) => r.durationS);
  const non2xx: Record<string, number> = {};
  for (const r of parts) for (const [code, n] of Object.entries(r.non2xx)) non2xx[code] = (non2xx[code] ?? 0) + n;
  const p50s = parts.map((r) => r.p50Ms).sort((a, b) => a - b);
  return {
    okPerS: sum((r) => r.ok) / durationS,
    answersPerS: sum((r) => r.answersPerS * r.durationS) / durationS,
    p50Ms: p50s[Math.floor((p50s.length - 1) / 2)]!,
    p99Ms: Math.max(...parts.map((r) => r.p99Ms)),
    non2xx,
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    ok: sum((r) => r.ok),
    durationS,
    generatorCpuMs: sum((r) => r.generatorCpuMs),
    serviceCpuMs: parts.some((r) => r.serviceCpuMs === null) ? null : sum((r) => r.serviceCpuMs ?? 0),
  };
}

/** Runs fn with the processes stopped (SIGSTOP), and always lets them go on after (SIGCONT). */
export async function whileStopped<T>(pids: readonly number[], fn: () => Promise<T>): Promise<T> {
  const stopped: number[] = [];
  try {
    for (const pid of pids) {
      process.kill(pid, 'SIGSTOP');
      stopped.push(pid);
    }
    return await fn();
  } finally {
    for (const pid of stopped) process.kill(pid, 'SIGCONT');
  }
}

/** Longest wait for the orchestrators to go idle before a baseline run. */
const IDLE_WAIT_MS = 10_000;

/**
 * Waits until every process used under 5% of a CPU over 300 ms (all threads: a checkpoint
 * worker counts); how long it waited, or null when it gave up after IDLE_WAIT_MS.
 */
export async function untilIdle(pids: number[]): Promise<number | null> {
  const started = Date.now();
  while (Date.now() - started < IDLE_WAIT_MS) {
    const before = pids.map(cpuMs);
    await new Promise((r) => setTimeout(r, 300));
    const busy = pids.some((pid, i) => {
      const a = before[i];
      const b = cpuMs(pid);
      return a !== null && a !== undefined && b !== null && b - a > 15;
    });
    if (!busy) return Date.now() - started;
  }
  return null;
}

/** The orchestrator as a real child process on a fresh SQLite file. */
export function startOrchestrator(
  o: BenchOptions,
  entry: OrchestratorEntry,
  dbPath: string,
  logLevel = 'warn',
  extraNodeArgs: string[] = [],
): Promise<ChildService> {
  return spawnService({
    nodeArgs: [...extraNodeArgs, ...entry.nodeArgs],
    script: entry.script,
    args: ['serve'],
    env: { ...o.childEnv, ...orchestratorEnv(dbPath, logLevel) },
    cwd: entry.cwd ?? o.repoRoot,
    // Two builds' worlds on a busy machine: opening one took over 30 s.
    readyTimeoutMs: 90_000,
  });
}
