import { spawn, type ChildProcess } from 'node:child_process';
import { freePort, waitFor } from '../test/helpers/processes.js';

/** A service running as a child process of the bench. */
export interface ChildService {
  url: string;
  port: number;
  pid: number;
  /** Everything the child wrote to stdout/stderr (the bench shows it when something fails). */
  output(): string;
  /** SIGTERM, then waits for the exit (SIGKILL after `graceMs`); resolves with the exit code or signal. */
  stop(graceMs?: number): Promise<number | string>;
  /** Null while running; how it ended otherwise ("exit code 1", "signal SIGKILL"). */
  ended(): string | null;
}

export interface SpawnOptions {
  /** Node arguments before the script (e.g. `--import tsx`, `--cpu-prof`). */
  nodeArgs: string[];
  script: string;
  args: string[];
  /** The child's whole environment (PORT and HOST are added); the bench passes PATH/HOME on. */
  env: Record<string, string>;
  cwd: string;
  /** The URL polled until it answers 2xx. */
  readyPath?: string;
  readyTimeoutMs?: number;
}

/** Starts `node <nodeArgs> <script> <args>` on a free port (PORT in env and `{port}` in args) and waits until it answers. */
export async function spawnService(o: SpawnOptions): Promise<ChildService> {
  const port = await freePort();
  const args = o.args.map((a) => a.replace('{port}', String(port)));
  const proc = spawn(process.execPath, [...o.nodeArgs, o.script, ...args], {
    cwd: o.cwd,
    env: { ...o.env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Only the tail is kept: a child logging every request would otherwise fill the bench's memory.
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 256 * 1024) out = out.slice(-128 * 1024);
  };
  proc.stdout.on('data', keep);
  proc.stderr.on('data', keep);
  const exited = new Promise<number | string>((resolve) =>
    proc.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      `${o.script} on ${url}`,
      async () => {
        if (proc.exitCode !== null) throw new Error(`exited early:\n${out}`);
        return (await fetch(`${url}${o.readyPath ?? '/'}`)).ok;
      },
      o.readyTimeoutMs ?? 30_000,
      100,
    );
  } catch (err) {
    // A child that never answered is not left running behind the failed bench.
    await stopChild(proc, exited, 2000);
    throw err;
  }
  const ended = () =>
    proc.exitCode !== null
      ? `exit code ${proc.exitCode}`
      : proc.signalCode !== null
        ? `signal ${proc.signalCode}`
        : null;
  return {
    url,
    port,
    pid: proc.pid!,
    output: () => out,
    stop: (graceMs = 15_000) => stopChild(proc, exited, graceMs),
    ended,
  };
}

async function stopChild(
  proc: ChildProcess,
  exited: Promise<number | string>,
  graceMs: number,
): Promise<number | string> {
  if (proc.exitCode !== null || proc.signalCode !== null) return exited;
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}
