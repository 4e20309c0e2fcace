import { spawn, type ChildProcess } from 'node:child_process';
import { REPO_ROOT, waitFor } from '../helpers/processes.js';

/**
 * Loads every module of the orchestrator, then waits for a line on stdin before running
 * `src/main.ts` (whose command defaults to `serve`). A kill is followed by a "go" to an
 * already-warm process, so the restart costs what a start of the service costs (open the
 * database, build the app, listen), not the TypeScript loading, and the test can afford many
 * kills in little time.
 */
const WARM_THEN_SERVE = `await import('./src/orchestrator.ts');
process.stdout.write('warm\\n');
process.stdin.once('data', () => { process.stdin.destroy(); void import('./src/main.ts'); });`;

interface Incarnation {
  proc: ChildProcess;
  out: string[];
  /** Resolves once the process has exited and its pipes are drained. */
  closed: Promise<void>;
}

/**
 * The orchestrator as a real process that the test kills with SIGKILL and starts again on the
 * same port and the same database file. Keeps the output of every incarnation.
 */
export class CrashableService {
  private current: Incarnation | null = null;
  private standby: Incarnation | null = null;
  private readonly outputs: string[] = [];
  incarnations = 0;

  /**
   * `processGroup`: each incarnation leads its own process group and a kill is a SIGKILL to
   * the whole group (what a container runtime or systemd does), not only to the leader.
   */
  constructor(
    private readonly env: Record<string, string>,
    readonly port: number,
    private readonly o: { processGroup?: boolean } = {},
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts serving (from a warm standby) and waits until it answers; then warms the next one. */
  async start(): Promise<void> {
    const next = this.standby ?? this.spawnWarm();
    this.standby = null;
    await waitFor(
      'a warm orchestrator',
      () => next.out.join('').includes('warm\n') || next.proc.exitCode !== null,
      60_000,
      10,
    );
    next.proc.stdin!.end('go\n');
    this.current = next;
    await waitFor(
      `the orchestrator on ${this.url}`,
      async () => {
        if (next.proc.exitCode !== null) throw new Error(`exited early:\n${next.out.join('')}`);
        return (await fetch(`${this.url}/`)).ok;
      },
      30_000,
      10,
    );
    this.incarnations++;
    this.standby = this.spawnWarm();
  }

  /** SIGKILL: no handler runs, nothing is flushed or closed. Resolves once the process is gone. */
  async kill(): Promise<void> {
    const s = this.current;
    if (!s) return;
    if (this.o.processGroup && s.proc.pid !== undefined) process.kill(-s.proc.pid, 'SIGKILL');
    else s.proc.kill('SIGKILL');
    await s.closed;
    this.outputs.push(s.out.join(''));
    this.current = null;
  }

  /** A graceful stop at the end (SIGTERM), and the standby's end. */
  async stop(): Promise<void> {
    const standby = this.standby;
    this.standby = null;
    if (this.o.processGroup && standby?.proc.pid !== undefined) process.kill(-standby.proc.pid, 'SIGKILL');
    else standby?.proc.kill('SIGKILL');
    await standby?.closed;
    const s = this.current;
    if (!s) return;
    s.proc.kill('SIGTERM');
    const timer = setTimeout(() => s.proc.kill('SIGKILL'), 15_000);
    await s.closed;
    clearTimeout(timer);
    this.outputs.push(s.out.join(''));
    this.current = null;
  }

  /** Every log line of every incarnation so far (the running one included). */
  output(): string {
    return [...this.outputs, this.current?.out.join('') ?? ''].join('\n');
  }

  private spawnWarm(): Incarnation {
    const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', WARM_THEN_SERVE], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        PORT: String(this.port),
        HOST: '127.0.0.1',
        ...this.env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: this.o.processGroup === true,
    });
    const out: string[] = [];
    proc.stdout.on('data', (d: Buffer) => out.push(d.toString()));
    proc.stderr.on('data', (d: Buffer) => out.push(d.toString()));
    proc.stdin.on('error', () => undefined);
    // 'exit' can come before the last output is read; 'close' comes after the pipes are drained.
    const closed = new Promise<void>((resolve) => proc.once('close', () => resolve()));
    return { proc, out, closed };
  }
}

/** Sums the `done` counts of the reconciler's "reconcile pass" log lines across incarnations. */
export function reconcilerTotals(logs: string): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const line of logs.split('\n')) {
    if (!line.includes('"reconcile pass"')) continue;
    try {
      const entry = JSON.parse(line) as { done?: Record<string, number> };
      for (const [k, v] of Object.entries(entry.done ?? {})) totals[k] = (totals[k] ?? 0) + v;
    } catch {
      // A line cut by SIGKILL.
    }
  }
  return totals;
}
