import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator.js';
import { freshPgSchema } from '../helpers/databases.js';
import { SILENT_GAME_SERVER, testOrchestrator } from '../helpers/orchestrator.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

async function schemaUrl(): Promise<string> {
  const s = await freshPgSchema();
  cleanups.push(s.drop);
  return s.url;
}

/** A replica: the orchestrator with its loop off (passes are run by the test). */
async function replica(env: Record<string, string>): Promise<Orchestrator> {
  const orch = await testOrchestrator({ ADMIN_TOKEN: 'op', POOL_MIN_READY: '1', MAX_SERVERS: '2', ...env });
  cleanups.push(() => orch.close());
  return orch;
}

async function status(orch: Orchestrator) {
  const r = await orch.app.inject({ method: 'GET', url: '/v1/status', headers: { authorization: 'Bearer op' } });
  expect(r.statusCode).toBe(200);
  return r.json().reconciler.leadership as {
    mode: string;
    replica: string;
    leader: boolean;
    leaderReplica: string | null;
  };
}

async function sql<T>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text, params)).rows as T[];
  } finally {
    await c.end();
  }
}

describe('one reconciler at a time (PostgreSQL advisory lock)', () => {
  it('two replicas on one database: one leads and acts, the other passes without acting and names the leader', async () => {
    const url = await schemaUrl();
    const a = await replica({ DATABASE_URL: url });
    const b = await replica({ DATABASE_URL: url });
    expect(await a.leadership.acquire()).toBe(true);

    // The pool wants a server, but b does not lead: its pass looks at nothing and creates nothing.
    const follower = await b.reconciler.runPass();
    expect(follower.leader).toBe(false);
    expect(follower.planned).toBeNull();
    expect(await b.store.listServers()).toHaveLength(0);

    const leader = await a.reconciler.runPass();
    expect(leader.leader).toBe(true);
    expect(leader.applied.done).toMatchObject({ create: 1 });
    expect(await a.store.listServers()).toHaveLength(1);

    const sa = await status(a);
    const sb = await status(b);
    expect(sa).toMatchObject({ mode: 'advisory-lock', leader: true, leaderReplica: sa.replica });
    expect(sb).toMatchObject({ mode: 'advisory-lock', leader: false, leaderReplica: sa.replica });
    expect(sb.replica).not.toBe(sa.replica);
  });

  it('a follower is ready: /readyz answers 200 on both replicas (only the leader lists the provider)', async () => {
    const url = await schemaUrl();
    const a = await replica({ DATABASE_URL: url });
    const b = await replica({ DATABASE_URL: url });
    expect((await a.reconciler.runPass()).leader).toBe(true);
    const follower = await b.reconciler.runPass();
    expect(follower).toMatchObject({ leader: false, listed: false });
    for (const orch of [a, b]) {
      const r = await orch.app.inject({ method: 'GET', url: '/readyz' });
      expect({ status: r.statusCode, body: r.body }).toMatchObject({ status: 200 });
    }
  });

  it('losing the lock connection ends the lead before the next act; the other replica takes over at its next pass', async () => {
    const url = await schemaUrl();
    const a = await replica({ DATABASE_URL: url });
    const b = await replica({ DATABASE_URL: url });
    expect((await a.reconciler.runPass()).leader).toBe(true);
    expect((await b.reconciler.runPass()).leader).toBe(false);

    // PostgreSQL ends a's lock session (as a network cut or a failover would).
    const { replica: aName } = await status(a);
    const killed = await sql<{ ok: boolean }>(
      url,
      `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1`,
      [`game-orchestrator reconciler ${aName}`.slice(0, 63)],
    );
    expect(killed).toEqual([{ ok: true }]);
    // a stops believing it leads on the connection's own event, before any pass asks.
    await vi.waitFor(() => expect(a.leadership.holds()).toBe(false), { timeout: 5000, interval: 20 });

    await vi.waitFor(async () => expect((await b.reconciler.runPass()).leader).toBe(true), {
      timeout: 5000,
      interval: 50,
    });
    const again = await a.reconciler.runPass();
    expect(again.leader).toBe(false);
    expect(again.planned).toBeNull();
    expect((await status(a)).leaderReplica).toBe((await status(b)).replica);
  });

  it('a replica that shuts down hands the lead over at the next pass of another', async () => {
    const url = await schemaUrl();
    const a = await testOrchestrator({ DATABASE_URL: url });
    const b = await replica({ DATABASE_URL: url });
    expect((await a.reconciler.runPass()).leader).toBe(true);
    expect((await b.reconciler.runPass()).leader).toBe(false);
    await a.close();
    expect((await b.reconciler.runPass()).leader).toBe(true);
  });

  it('installations in different schemas do not contend', async () => {
    const a = await replica({ DATABASE_URL: await schemaUrl() });
    const b = await replica({ DATABASE_URL: await schemaUrl() });
    expect((await a.reconciler.runPass()).leader).toBe(true);
    expect((await b.reconciler.runPass()).leader).toBe(true);
  });

  it('SIGKILL of a leading orchestrator process: another replica leads at its next pass', async () => {
    const url = await schemaUrl();
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve'], {
      cwd: REPO_ROOT,
      stdio: 'ignore',
      env: {
        ...process.env,
        DATABASE_URL: url,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
        GAME_SERVER_COMMAND: SILENT_GAME_SERVER,
        RECONCILE_INTERVAL_S: '1',
      },
    });
    cleanups.push(async () => void (child.exitCode === null && child.kill('SIGKILL')));
    const b = await replica({ DATABASE_URL: url });
    // The child's first pass takes the lead (seen in PostgreSQL: its lock connection holds an advisory lock).
    await vi.waitFor(
      async () => {
        const holders = await sql<{ name: string }>(
          url,
          `SELECT a.application_name AS name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
           WHERE l.locktype = 'advisory' AND l.granted AND a.application_name LIKE 'game-orchestrator reconciler %'`,
        );
        expect(holders.map((h) => h.name).join()).toMatch(new RegExp(`-${child.pid}-`));
      },
      { timeout: 60_000, interval: 100 },
    );
    expect((await b.reconciler.runPass()).leader).toBe(false);
    expect((await status(b)).leaderReplica).toMatch(new RegExp(`-${child.pid}-`));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    // The kernel closes the dead process's socket; PostgreSQL ends its session and the lock with it.
    await vi.waitFor(async () => expect((await b.reconciler.runPass()).leader).toBe(true), {
      timeout: 5000,
      interval: 50,
    });
    expect((await status(b)).leaderReplica).toBe((await status(b)).replica);
  }, 90_000);
});

describe('SQLite: the single process leads', () => {
  it('passes act and the status says so', async () => {
    const orch = await replica({ DB_PATH: ':memory:' });
    const pass = await orch.reconciler.runPass();
    expect(pass.leader).toBe(true);
    expect(pass.applied.done).toMatchObject({ create: 1 });
    const s = await status(orch);
    expect(s).toMatchObject({ mode: 'single-process', leader: true, leaderReplica: s.replica });
  });
});
