import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, REPO_ROOT, startService } from '../helpers/processes.js';

// What a user sees when the service cannot start (issue #20, items 6 and 7): each message names
// the variable to change, the value, what was tried and what failed.

const tmp = mkdtempSync(path.join(tmpdir(), 'start-up-errors-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const baseEnv = (dbPath: string) => ({ DB_PATH: dbPath, DOTENV_PATH: path.join(tmp, 'none.env'), PROVIDER: 'local' });

/** Runs `serve` until it exits on its own; its exit code and everything it printed. */
async function serveUntilExit(env: Record<string, string>): Promise<{ code: number | string; out: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'serve'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  const timer = setTimeout(() => proc.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | string>((resolve) => proc.once('exit', (c, s) => resolve(c ?? s ?? -1)));
  clearTimeout(timer);
  return { code, out };
}

describe('one process per SQLite file', () => {
  it('a second serve on the same DB_PATH refuses to start and names PostgreSQL; the lock dies with a SIGKILLed holder', async () => {
    const db = path.join(tmp, 'shared.db');
    const first = await startService(['serve'], baseEnv(db));
    try {
      const second = await serveUntilExit({ ...baseEnv(db), PORT: String(await freePort()) });
      expect(second.code).toBe(1);
      expect(second.out).toContain(`DB_PATH=${db} is in use by another game-orchestrator process`);
      expect(second.out).toContain('PostgreSQL (DATABASE_URL=');
      // The first one still serves.
      expect((await fetch(`${first.url}/`)).ok).toBe(true);
    } finally {
      first.proc.kill('SIGKILL');
      await first.exited;
    }
    // No stale lock: the kernel let go of it with the process.
    const third = await startService(['serve'], baseEnv(db));
    third.proc.kill('SIGTERM');
    expect(await third.exited).toBe(0);
  }, 120_000);
});

describe('start-up errors name the variable', () => {
  it('a DB_PATH under a file names DB_PATH, the path and what failed', async () => {
    const r = await serveUntilExit({ ...baseEnv('/etc/passwd/orchestrator.db'), PORT: String(await freePort()) });
    expect(r.code).toBe(1);
    expect(r.out).toContain('DB_PATH=/etc/passwd/orchestrator.db');
    expect(r.out).toMatch(/could not create the directory .*is a file, not a directory/);
  }, 60_000);

  it('a DB_PATH that is a directory names DB_PATH and says SQLite could not open it', async () => {
    const dir = path.join(tmp, 'a-directory');
    mkdirSync(dir);
    const r = await serveUntilExit({ ...baseEnv(dir), PORT: String(await freePort()) });
    expect(r.code).toBe(1);
    expect(r.out).toContain(`DB_PATH=${dir}`);
    expect(r.out).toContain('could not open the database');
    expect(r.out).toContain('unable to open database file');
  }, 60_000);

  it('a port in use names PORT and HOST', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const r = await serveUntilExit({ ...baseEnv(path.join(tmp, 'port.db')), PORT: String(port) });
      expect(r.code).toBe(1);
      expect(r.out).toContain(`PORT=${port} (HOST=127.0.0.1): could not listen on 127.0.0.1:${port}`);
      expect(r.out).toContain('set PORT to a free port');
    } finally {
      busy.close();
    }
  }, 60_000);
});
