import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { loadConfig } from '../src/config.js';
import { createOrchestrator } from '../src/orchestrator.js';
import { MemoryProvider } from './memory-provider.js';
import { fillScaleWorld } from './scale-world.js';

/**
 * The scale case's service process: the real orchestrator (HTTP app, store on an SQLite file,
 * reconciler) over an in-memory provider, filled with the scale world. The bench loads its
 * HTTP port while this process times reconcile passes and watches its own event loop with
 * perf_hooks.monitorEventLoopDelay. Talks to the bench over IPC:
 *   → { kind: 'ready', port, codes }            after filling and listening
 *   ← { kind: 'measure', passes, quietMs }      the bench's load is running
 *   → { kind: 'result', ... }                   then waits for 'exit'
 */
const dir = mkdtempSync(path.join(tmpdir(), 'orch-scale-'));
const settingsEnv = {
  DB_PATH: path.join(dir, 'scale.db'),
  LOG_LEVEL: 'warn',
  MAX_SERVERS: '100000',
  // Above the idle and coming servers after offers: the pass also creates (and the next may delete extras).
  POOL_MIN_READY: '3000',
  MAX_CREATES_PER_PASS: '500',
  MAX_DELETES_PER_PASS: '500',
  READINESS: 'address',
  START_RATE_LIMIT_PER_MIN: '0',
  SESSIONS_PER_ADDRESS: '0',
  JOIN_FAIL_LIMIT_PER_MIN: '0',
  RECONCILE_INTERVAL_S: '3600',
  INTERNAL_HMAC_SECRET: 'bench-scale-key',
};

async function main(): Promise<void> {
  const config = loadConfig(settingsEnv);
  const provider = new MemoryProvider();
  const orch = await createOrchestrator(config, { provider, reconcile: false });
  const { lifecycle: l } = config;
  const fillStart = performance.now();
  const codes = await fillScaleWorld(orch.store, provider, Date.now(), {
    idleTimeoutS: l.sessionIdleTimeoutS,
    heartbeatPeriodS: l.heartbeatPeriodS,
    failureThreshold: l.heartbeatFailureThreshold,
  });
  const fillMs = performance.now() - fillStart;
  await orch.app.listen({ host: '127.0.0.1', port: 0 });
  const address = orch.app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  send({ kind: 'ready', port, codes, fillMs });
  process.on('message', (m: { kind: string; passes?: number; quietMs?: number }) => {
    if (m.kind === 'measure')
      void measure(orch, provider, m.passes ?? 3, m.quietMs ?? 1000).then(send, (err) =>
        send({ kind: 'error', error: String(err) }),
      );
    if (m.kind === 'exit')
      void orch.close().finally(() => {
        rmSync(dir, { recursive: true, force: true });
        process.exit(0);
      });
  });
}

async function measure(
  orch: Awaited<ReturnType<typeof createOrchestrator>>,
  provider: MemoryProvider,
  passes: number,
  quietMs: number,
) {
  // The same load with no pass running: what the loop's delay is without us.
  const quiet = monitorEventLoopDelay({ resolution: 1 });
  quiet.enable();
  await new Promise((r) => setTimeout(r, quietMs));
  quiet.disable();
  const h = monitorEventLoopDelay({ resolution: 1 });
  const cpu = new CpuBetweenTurns();
  const gc = new GcPauses();
  const passMs: number[] = [];
  const planned: unknown[] = [];
  const done: unknown[] = [];
  const errors: string[] = [];
  h.enable();
  for (let i = 0; i < passes; i++) {
    const t = performance.now();
    const r = await orch.reconciler.runPass();
    passMs.push(Math.round((performance.now() - t) * 10) / 10);
    planned.push(r.planned);
    done.push(r.applied.done);
    if (r.error) errors.push(r.error);
    errors.push(...r.applied.errors);
  }
  h.disable();
  const cpuMaxMs = cpu.stop();
  const gcPauses = gc.stop();
  const mem = process.memoryUsage();
  const ms = (ns: number) => Math.round(ns / 1e5) / 10;
  return {
    kind: 'result',
    passMs,
    planned,
    done,
    errors: errors.slice(0, 5),
    providerCalls: { ...provider.calls },
    // monitorEventLoopDelay samples every `resolution` ms; its max is the longest stall.
    loopDelay: { maxMs: ms(h.max), p99Ms: ms(h.percentile(99)), meanMs: ms(h.mean) },
    quietLoopDelay: { maxMs: ms(quiet.max), p99Ms: ms(quiet.percentile(99)) },
    cpuBetweenTurnsMaxMs: Math.round(cpuMaxMs * 10) / 10,
    gc: gcPauses,
    rssMiB: Math.round(mem.rss / 2 ** 20),
    heapUsedMiB: Math.round(mem.heapUsed / 2 ** 20),
  };
}

/**
 * The most CPU time the process used between two turns of a 1 ms timer: how long the longest
 * block of work was, without the time the OS had the process off the CPU (on a shared
 * machine, wall-clock delays include other processes' turns). Includes the process's other
 * threads (GC helpers, the checkpoint worker), so it errs long.
 */
class CpuBetweenTurns {
  private last = process.cpuUsage();
  private max = 0;
  private readonly timer = setInterval(() => {
    const d = process.cpuUsage(this.last);
    this.last = process.cpuUsage();
    this.max = Math.max(this.max, (d.user + d.system) / 1000);
  }, 1);

  stop(): number {
    clearInterval(this.timer);
    return this.max;
  }
}

const GC_KINDS: Record<number, string> = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weakcb' };

/** Garbage-collection pauses (perf_hooks 'gc' entries): the longest, and how many over 10 ms. */
class GcPauses {
  private max = 0;
  private over10 = 0;
  private count = 0;
  /** Longest pause by kind (minor = scavenge, major = mark-compact, incremental, weakcb). */
  private readonly byKind: Record<string, number> = {};
  private readonly observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      this.count++;
      this.max = Math.max(this.max, e.duration);
      if (e.duration > 10) this.over10++;
      const kind = GC_KINDS[(e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0] ?? 'other';
      this.byKind[kind] = Math.round(Math.max(this.byKind[kind] ?? 0, e.duration) * 10) / 10;
    }
  });

  constructor() {
    this.observer.observe({ entryTypes: ['gc'] });
  }

  stop(): { count: number; maxMs: number; over10Ms: number; maxMsByKind: Record<string, number> } {
    this.observer.disconnect();
    return {
      count: this.count,
      maxMs: Math.round(this.max * 10) / 10,
      over10Ms: this.over10,
      maxMsByKind: this.byKind,
    };
  }
}

function send(m: unknown): void {
  process.send?.(m);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
