import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { createInterface } from 'node:readline';
import type { Logger } from 'pino';
import { ProviderError } from '../provider.js';
import { supervisorEntry } from './supervisor-entry.js';
import type { SupervisorMessage, SupervisorOrders } from './supervisor-protocol.js';

/** How a game server ended: its exit code, or the signal that killed it. */
export interface ChildExit {
  code: number | null;
  signal: string | null;
}

export interface SupervisedStart {
  /** Program and arguments of the game server. */
  argv: string[];
  cwd?: string;
  /** The game server's whole environment. */
  env: Record<string, string>;
  /** SIGTERM → SIGKILL delay when stopping. */
  graceMs: number;
  /** How long to wait for the game server to start. */
  spawnTimeoutMs: number;
  /** Receives the game server's output, one line per entry. */
  log: Logger;
  /** Output worth keeping to explain an exit: the first line that matches is `remembered`. */
  remember?: RegExp;
}

/** Beyond the supervisor's own SIGKILL: how long before we kill it and the group ourselves. */
const FORCE_MARGIN_MS = 1000;
/** Lines longer than this are cut, so a runaway child cannot flood the log. */
const MAX_LINE_CHARS = 4000;

/**
 * One game server running under its supervisor (see supervisor.ts), which kills it if
 * this process dies. `exited` settles once both are gone.
 */
export class SupervisedProcess {
  readonly exited: Promise<ChildExit>;
  /** The first output line that matched `remember`, if any. */
  get remembered(): string | null {
    return this.kept.line;
  }
  private done = false;
  private stopping: Promise<ChildExit> | null = null;

  private constructor(
    private readonly proc: ChildProcess,
    /** The game server's pid (its process group id too). */
    readonly pid: number,
    private readonly graceMs: number,
    exited: Promise<ChildExit>,
    private readonly kept: { line: string | null },
  ) {
    this.exited = exited.finally(() => (this.done = true));
  }

  /** Starts the supervisor and resolves once the game server has spawned. */
  static async start(opts: SupervisedStart): Promise<SupervisedProcess> {
    const [command = '', ...args] = opts.argv;
    const orders: SupervisorOrders = { command, args, graceMs: opts.graceMs };
    // detached: the supervisor gets its own process group, so a signal aimed at the
    // orchestrator's group (a KILL to all of it) still leaves it alive to clean up.
    const proc = spawn(process.execPath, [supervisorEntry(), JSON.stringify(orders)], {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      detached: true,
    });
    const kept = pipeLines(proc, opts.log, opts.remember);
    // Listen from the start: an 'exit' report can arrive right behind 'spawned'.
    let reported: ChildExit | null = null;
    proc.on('message', (m: SupervisorMessage) => {
      if (m.type === 'exit') reported = { code: m.code, signal: m.signal };
    });
    const exited = exitOf(proc).then((own) => reported ?? own);
    const pid = await firstReport(proc, exited, opts.spawnTimeoutMs);
    return new SupervisedProcess(proc, pid, opts.graceMs, exited, kept);
  }

  /** True until the game server and its supervisor are gone. */
  get running(): boolean {
    return !this.done;
  }

  /** SIGTERM, SIGKILL after the grace period; resolves once gone. Safe to call again. */
  stop(): Promise<ChildExit> {
    if (!this.stopping) {
      this.proc.kill('SIGTERM');
      const force = setTimeout(() => this.forceKill(), this.graceMs + FORCE_MARGIN_MS);
      this.stopping = this.exited.finally(() => clearTimeout(force));
    }
    return this.stopping;
  }

  private forceKill(): void {
    for (const pid of [-this.pid, this.proc.pid ?? 0]) {
      try {
        if (pid) process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

/** Logs the child's output line by line; keeps the first line matching `remember`. */
function pipeLines(proc: ChildProcess, log: Logger, remember?: RegExp): { line: string | null } {
  const kept: { line: string | null } = { line: null };
  for (const [stream, level] of [
    [proc.stdout, 'info'],
    [proc.stderr, 'warn'],
  ] as const) {
    if (!stream) continue;
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    lines.on('line', (whole) => {
      const line = whole.length > MAX_LINE_CHARS ? `${whole.slice(0, MAX_LINE_CHARS)}…` : whole;
      log[level](line);
      if (kept.line === null && remember?.test(line)) kept.line = line;
    });
  }
  return kept;
}

/**
 * The supervisor's own exit. It exits with the game server's code, or 128+n when the game
 * server died of signal n (used only if its IPC report was lost).
 */
function exitOf(proc: ChildProcess): Promise<ChildExit> {
  return new Promise((resolve) => {
    proc.once('exit', (code, signal) => {
      const fromSignal = code !== null && code > 128 ? signalName(code - 128) : undefined;
      const result: ChildExit = fromSignal ? { code: null, signal: fromSignal } : { code, signal };
      // Messages sent just before exit may still be in the pipe: wait for the channel to close.
      if (!proc.connected) return resolve(result);
      const t = setTimeout(() => resolve(result), 200);
      proc.once('disconnect', () => {
        clearTimeout(t);
        resolve(result);
      });
    });
  });
}

function signalName(n: number): string | undefined {
  return Object.entries(constants.signals).find(([, v]) => v === n)?.[0];
}

/** Waits for 'spawned' (→ pid); any other outcome stops the supervisor and throws. */
function firstReport(proc: ChildProcess, exited: Promise<ChildExit>, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (why: string | null, pid = 0) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (why === null) return resolve(pid);
      // SIGTERM, not SIGKILL: a slow game server may have started after all, and only the
      // supervisor can take its process group down with it.
      proc.kill('SIGTERM');
      reject(new ProviderError(`game server did not start: ${why}`));
    };
    const timer = setTimeout(() => settle(`no word from the supervisor in ${timeoutMs} ms`), timeoutMs);
    proc.on('error', (err) => settle(err.message)); // kept: an unheard 'error' would crash us
    proc.on('message', (m: SupervisorMessage) => {
      if (m.type === 'spawned') settle(null, m.pid);
      else if (m.type === 'error') settle(m.code ?? m.message);
    });
    void exited.then((e) => settle(`exited at once (code ${e.code}, signal ${e.signal})`));
  });
}
