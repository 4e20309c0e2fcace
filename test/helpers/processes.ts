import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Polls fn until it returns a truthy value or the time is up (then throws with the label). */
export async function waitFor<T>(
  label: string,
  fn: () => T | Promise<T>,
  timeoutMs = 15_000,
  everyMs = 50,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Pids of processes whose environment holds NAME=value (how tests find a game server's process). */
export function pidsWithEnv(name: string, value: string): number[] {
  const needle = `${name}=${value}`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const env = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (env.includes(needle)) pids.push(Number(entry));
    } catch {
      /* gone or not ours */
    }
  }
  return pids;
}

export interface RunningService {
  url: string;
  port: number;
  proc: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
}

export interface ServiceOptions {
  /**
   * The process's open-file limit (RLIMIT_NOFILE, set with the shell's `ulimit -n` before exec),
   * so a test can run out of file descriptors with a few hundred connections.
   */
  openFileLimit?: number;
}

/** Runs `game-orchestrator <args>` from the TypeScript sources as a real process. */
export async function startService(
  args: string[],
  env: Record<string, string>,
  port?: number,
  options: ServiceOptions = {},
): Promise<RunningService> {
  const p = port ?? (await freePort());
  const node = [process.execPath, '--import', 'tsx', 'src/main.ts', ...args];
  const [file, argv] =
    options.openFileLimit === undefined
      ? [node[0]!, node.slice(1)]
      : ['/bin/sh', ['-c', `ulimit -n ${options.openFileLimit} && exec "$@"`, 'sh', ...node]];
  const proc = spawn(file, argv, {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PORT: String(p), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | string>((resolve) =>
    proc.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const url = `http://127.0.0.1:${p}`;
  await waitFor(
    `service on ${url}`,
    async () => {
      if (proc.exitCode !== null) throw new Error(`exited early:\n${out}`);
      return (await fetch(`${url}/`)).ok;
    },
    // Waited for, not timed: from the TypeScript sources on a loaded 2-core machine a start-up
    // has taken over 30 s.
    90_000,
    100,
  ).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}\n${out.slice(-3000)}`);
  });
  return { url, port: p, proc, output: () => out, exited };
}
