import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, startService, waitFor } from '../helpers/processes.js';

// What a new user sees in the first minute: start-up warnings, log lines, the emulator's help.

const tmp = mkdtempSync(path.join(tmpdir(), 'start-up-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const baseEnv = (name: string) => ({
  DB_PATH: path.join(tmp, `${name}.db`),
  DOTENV_PATH: path.join(tmp, 'none.env'),
  PROVIDER: 'local',
});

async function serveAndStop(name: string, env: Record<string, string>): Promise<string> {
  const s = await startService(['serve'], { ...baseEnv(name), ...env });
  await waitFor('the serving line', () => s.output().includes('is serving'), 10_000);
  s.proc.kill('SIGTERM');
  expect(await s.exited).toBe(0);
  return s.output();
}

describe('start-up', () => {
  it('warns about DIGITALOCEAN_API_URL, naming DO_API_URL, in the log', async () => {
    const out = await serveAndStop('alias', { DIGITALOCEAN_API_URL: 'http://127.0.0.1:9', LOG_FORMAT: 'json' });
    const warning = out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: number; msg: string })
      .find((r) => r.msg.includes('DIGITALOCEAN_API_URL'));
    expect(warning).toMatchObject({ level: 40, msg: expect.stringContaining('did you mean DO_API_URL?') });
  });

  it('prints JSON lines by default when standard output is not a terminal', async () => {
    const out = await serveAndStop('json', {});
    const lines = out.split('\n').filter((l) => l.includes('is serving'));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 30, msg: 'game-orchestrator is serving', provider: 'local' });
  });

  it('prints readable lines with LOG_FORMAT=pretty', async () => {
    const out = await serveAndStop('pretty', { LOG_FORMAT: 'pretty' });
    const line = out.split('\n').find((l) => l.includes('is serving'))!;
    expect(line).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} INFO {2}game-orchestrator is serving {2}provider=local db=sqlite url=http:\/\/127\.0\.0\.1:\d+$/,
    );
    expect(out).not.toMatch(/^\{/m);
  });
});

describe('other commands', () => {
  it('migrate prints the lookalike warning on stderr', async () => {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'src/main.ts', 'migrate'],
      {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH ?? '', ...baseEnv('migrate'), DO_URL: 'http://127.0.0.1:9' },
      },
    );
    expect(stdout).toMatch(/applied|up to date/);
    expect(stderr).toBe(
      'warning: DO_URL is not a game-orchestrator setting and is ignored; did you mean DO_API_URL?\n',
    );
  });
});

describe('do-emulator --help', () => {
  it('names DO_API_URL, the variable the service reads', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'src/main.ts', 'do-emulator', '--help'],
      { cwd: REPO_ROOT },
    );
    expect(stdout).toContain('DO_API_URL');
    expect(stdout).not.toContain('DIGITALOCEAN_API_URL');
  });
});
