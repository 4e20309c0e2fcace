import { fork } from 'node:child_process';
import path from 'node:path';
import { serviceNodeFlags } from './build.js';
import { runLoad, type LoadResult } from './load.js';

/** What the scale case measured, inside the service process; `lines` is the human summary. */
export interface ScaleResult {
  servers: number;
  sessions: number;
  fillMs: number;
  passMs: number[];
  planned: unknown[];
  done: unknown[];
  errors: string[];
  providerCalls: Record<string, number>;
  /** The service's event-loop delay (perf_hooks.monitorEventLoopDelay, 1 ms resolution) during the passes. */
  loopDelay: { maxMs: number; p99Ms: number; meanMs: number };
  /** The same, over a second of the same load with no pass running. */
  quietLoopDelay: { maxMs: number; p99Ms: number };
  /** The most CPU the service used between two turns of a 1 ms timer during the passes (preemption by other processes left out). */
  cpuBetweenTurnsMaxMs: number;
  /** Garbage-collection pauses in the service during the passes. */
  gc: { count: number; maxMs: number; over10Ms: number; maxMsByKind: Record<string, number> };
  /** The service process's memory after the passes. */
  rssMiB: number;
  heapUsedMiB: number;
  /** The join load that ran against the service during the passes. */
  load: LoadResult;
  /** Target: no stall over 20 ms during the passes. */
  met: boolean;
  lines: string[];
}

/** Longest acceptable event-loop stall during a pass (issue 12). */
export const MAX_STALL_MS = 20;

interface ChildResult extends Omit<ScaleResult, 'servers' | 'sessions' | 'fillMs' | 'load' | 'met' | 'lines'> {
  kind: 'result';
}

/**
 * 10,000 servers and 10,000 sessions in the real orchestrator (its own process: bench/scale-service.ts)
 * over an in-memory provider, with work for every step of a pass (adoptions, idle and heartbeat
 * ends, teardowns, orphan and extra deletes, offers, creates). Joins load the service over HTTP
 * (10 connections) while it runs three passes; the service reports its own event-loop delay and RSS.
 */
export async function measureScale(repoRoot: string, say: (line: string) => void = () => {}): Promise<ScaleResult> {
  const child = fork(path.join(repoRoot, 'bench/scale-service.ts'), [], {
    cwd: repoRoot,
    // The GC settings the service runs with (npm start's node flags), as its pauses are measured here.
    execArgv: [...serviceNodeFlags(repoRoot), '--import', 'tsx'],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const messages: { kind: string; [k: string]: unknown }[] = [];
  let wake: (() => void) | null = null;
  child.on('message', (m) => {
    messages.push(m as { kind: string });
    wake?.();
  });
  child.on('exit', () => wake?.());
  const next = async (kind: string, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = messages.findIndex((m) => m.kind === kind || m.kind === 'error');
      if (i >= 0) {
        const m = messages.splice(i, 1)[0]!;
        if (m.kind === 'error') throw new Error(`scale service: ${String(m.error)}`);
        return m;
      }
      if (child.exitCode !== null) throw new Error(`scale service exited with ${child.exitCode}`);
      if (Date.now() > deadline) throw new Error(`scale service: no ${kind} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 250);
      });
    }
  };
  try {
    const ready = (await next('ready', 120_000)) as unknown as { port: number; codes: string[]; fillMs: number };
    say(`scale: service filled in ${Math.round(ready.fillMs)} ms; timing passes under join load`);
    let k = 0;
    const loading = runLoad({
      url: `http://127.0.0.1:${ready.port}`,
      connections: 10,
      durationS: 8,
      request: {
        setupRequest: (req) => ({
          ...req,
          method: 'POST',
          path: `/sessions/join?game_tag=${ready.codes[k++ % ready.codes.length]}`,
        }),
      },
    });
    // Let the load settle before measuring.
    await new Promise((r) => setTimeout(r, 1000));
    child.send({ kind: 'measure', passes: 3, quietMs: 1000 });
    const r = (await next('result', 120_000)) as unknown as ChildResult;
    const load = await loading;
    return summarise(r, ready.fillMs, load);
  } finally {
    if (child.connected) child.send({ kind: 'exit' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    if (child.exitCode === null) await exited;
    clearTimeout(timer);
  }
}

function summarise(r: ChildResult, fillMs: number, load: LoadResult): ScaleResult {
  const failures = load.errors + Object.values(load.non2xx).reduce((n, c) => n + c, 0);
  // A pass with failed actions, or requests failing meanwhile, does not meet the target either.
  const met = r.loopDelay.maxMs <= MAX_STALL_MS && r.errors.length === 0 && failures === 0;
  const lines = [
    `10000 servers + 10000 sessions (live and ended) filled through the store in ${Math.round(fillMs)} ms, in the service process (real orchestrator, SQLite file, in-memory provider)`,
    `reconcile passes with real work: ${r.passMs.join(' ms, ')} ms; provider calls ${JSON.stringify(r.providerCalls)}`,
    `planned per pass: ${r.planned.map((p) => JSON.stringify(nonZero(p))).join('; ')}`,
    `done per pass: ${r.done.map((p) => JSON.stringify(nonZero(p))).join('; ')}${r.errors.length ? `; errors: ${r.errors.join(' | ')}` : ''}`,
    `service event-loop delay during the passes (monitorEventLoopDelay, 1 ms resolution): max ${r.loopDelay.maxMs} ms, p99 ${r.loopDelay.p99Ms} ms, mean ${r.loopDelay.meanMs} ms; with the same load and no pass: max ${r.quietLoopDelay.maxMs} ms, p99 ${r.quietLoopDelay.p99Ms} ms — target ≤ ${MAX_STALL_MS} ms: ${met ? 'met' : '**not met**'}`,
    `longest block of work in the service during the passes, in CPU time (what the delay would be on an idle machine; all threads counted): ${r.cpuBetweenTurnsMaxMs} ms; GC pauses ${r.gc.count}, longest ${r.gc.maxMs} ms (by kind ${JSON.stringify(r.gc.maxMsByKind)}), ${r.gc.over10Ms} over 10 ms`,
    `join load meanwhile (10 connections, 8 s): ${Math.round(load.okPerS)} req/s, p99 ${load.p99Ms} ms, non-2xx or errors ${failures}`,
    `service process after the passes: RSS ${r.rssMiB} MiB, heap used ${r.heapUsedMiB} MiB`,
  ];
  return { servers: 10_000, sessions: 10_000, fillMs, ...r, load, met, lines };
}

const nonZero = (o: unknown) =>
  Object.fromEntries(Object.entries((o ?? {}) as Record<string, number>).filter(([, n]) => n !== 0));
