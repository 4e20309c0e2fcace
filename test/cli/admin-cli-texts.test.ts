import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAdminCli } from '../../src/cli/admin-cli.js';
import type { Orchestrator } from '../../src/orchestrator.js';
import { testOrchestrator } from '../helpers/orchestrator.js';
import { REPO_ROOT } from '../helpers/processes.js';

// What the CLI says when the token is the trouble, and what its help lists (issue #20, item 10).

async function run(url: string, token: string | null, args: string[]) {
  const err: string[] = [];
  const code = await runAdminCli(args[0]!, args.slice(1), { url, token, out: () => {}, err: (l) => err.push(l) });
  return { code, err: err.join('\n') };
}

describe('CLI token messages against a real orchestrator', () => {
  let open: Orchestrator;
  let guarded: Orchestrator;
  const urlOf = (o: Orchestrator) => `http://127.0.0.1:${(o.app.server.address() as AddressInfo).port}`;
  beforeAll(async () => {
    open = await testOrchestrator({});
    guarded = await testOrchestrator({ ADMIN_TOKEN: 'the-service-token' });
    for (const o of [open, guarded]) await o.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await open?.close();
    await guarded?.close();
  });

  it('a service without ADMIN_TOKEN: the CLI that has one is told to set it in the service, not here', async () => {
    const r = await run(urlOf(open), 'my-token', ['sessions', 'ls']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('has no ADMIN_TOKEN of its own');
    expect(r.err).toContain("set ADMIN_TOKEN in the service's environment and restart it");
    expect(r.err).not.toContain('my-token');
  });

  it('a wrong token and a missing one are told apart', async () => {
    const wrong = await run(urlOf(guarded), 'not-it', ['servers', 'ls']);
    expect(wrong.err).toContain('refused this ADMIN_TOKEN');
    expect(wrong.err).not.toContain('not-it');
    const none = await run(urlOf(guarded), null, ['servers', 'ls']);
    expect(none.err).toContain('set ADMIN_TOKEN here');
    expect([wrong.code, none.code]).toEqual([1, 1]);
  });
});

describe('CLI help', () => {
  it('lists the events commands and --cursor', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/main.ts', 'help'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'silent' },
    });
    expect(stdout).toContain('sessions|servers|pool|events');
    expect(stdout).toContain('events tail');
    expect(stdout).toMatch(/sessions ls .*--cursor C/);
    expect(stdout).toMatch(/--cursor C starts at the page/);
  }, 60_000);
});
