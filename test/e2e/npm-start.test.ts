import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, REPO_ROOT, waitFor } from '../helpers/processes.js';

// The README's start command, run for real: npm → `exec node --max-semi-space-size=8 bin/start.js` → the service →
// local game servers (each under its supervisor). A signal to npm must stop every one of them.

const tmp = mkdtempSync(path.join(tmpdir(), 'npm-start-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Live (not zombie) processes below `pid`, from /proc. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (!stat || stat.state === 'Z') continue;
    children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), Number(entry)]);
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

function readStat(pid: number): { state: string; ppid: number } | null {
  try {
    // "pid (comm) state ppid ..."; comm may contain spaces, so split after the last ')'.
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, ppid] = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { state: state!, ppid: Number(ppid) };
  } catch {
    return null;
  }
}

const alive = (pid: number) => {
  const s = readStat(pid);
  return s !== null && s.state !== 'Z';
};

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port });
    sock.once('connect', () => (sock.destroy(), resolve(true)));
    sock.once('error', () => resolve(false));
  });
}

async function npmStart(name: string) {
  const port = await freePort();
  const proc = spawn('npm', ['start'], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      PORT: String(port),
      HOST: '127.0.0.1',
      DB_PATH: path.join(tmp, `${name}.db`),
      DOTENV_PATH: path.join(tmp, 'no.env'),
      PROVIDER: 'local',
      LOCAL_GAME_PORT: '0',
      POOL_MIN_READY: '2',
      MAX_SERVERS: '2',
      LOG_FORMAT: 'json',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | string>((resolve) =>
    proc.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  // The first run on a fresh checkout builds dist/ (tens of seconds on a busy machine).
  await waitFor(
    'npm start serving',
    async () => {
      if (proc.exitCode !== null) throw new Error(`npm start exited early:\n${out}`);
      return (await fetch(`http://127.0.0.1:${port}/`)).ok;
    },
    150_000,
    200,
  );
  return { proc, port, exited, output: () => out };
}

describe('npm start', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`stops the service and all its game servers when npm gets ${signal}`, async () => {
      const s = await npmStart(signal);
      // npm, the service and two game servers, each with its supervisor.
      const tree = await waitFor(
        'two game servers running',
        () => {
          const d = descendants(s.proc.pid!);
          return d.length >= 5 ? d : null;
        },
        30_000,
        100,
      );
      try {
        s.proc.kill(signal);
        const code = await s.exited;
        expect(code, s.output()).toBe(0);
        await waitFor('every process of the tree gone', () => tree.every((p) => !alive(p)), 15_000, 100).catch(
          () => undefined,
        );
        expect(tree.filter(alive), s.output()).toEqual([]);
        expect(await portOpen(s.port)).toBe(false);
        expect(s.output()).toContain('shutting down');
      } finally {
        // Never leave a failed run's processes behind on a shared machine.
        for (const p of tree.filter(alive)) process.kill(p, 'SIGKILL');
      }
    }, 200_000);
  }

  it('does not rebuild when dist/ is newer than the sources', async () => {
    const built = path.join(REPO_ROOT, 'dist', 'main.js');
    const s = await npmStart('fresh');
    try {
      const before = statSync(built).mtimeMs;
      // A second start on the same, fresh build: no tsc run, dist untouched.
      s.proc.kill('SIGTERM');
      await s.exited;
      const again = await npmStart('fresh2');
      again.proc.kill('SIGTERM');
      await again.exited;
      expect(statSync(built).mtimeMs).toBe(before);
      expect(again.output()).not.toMatch(/building dist/);
    } finally {
      s.proc.kill('SIGTERM');
    }
  }, 300_000);
});
