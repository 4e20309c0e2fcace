import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { freePort, REPO_ROOT } from '../helpers/processes.js';

const CALL = path.join(REPO_ROOT, 'examples/game-server/call.mjs');

/** Runs call.mjs as a user would; resolves with its exit code and output whatever the code. */
async function call(args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CALL, ...args], {
      env: { PATH: process.env.PATH ?? '', INTERNAL_HMAC_KEY: 'k', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('call.mjs when the orchestrator cannot be reached', () => {
  it('names the URL it tried, why it failed and the variable that sets it; no stack trace', async () => {
    const port = await freePort(); // closed again: nothing listens there
    const r = await call(['heartbeat', '127.0.0.3', '1'], { ORCHESTRATOR_URL: `http://127.0.0.1:${port}` });
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`http://127.0.0.1:${port}/server/heartbeat`);
    expect(r.stderr).toContain('ECONNREFUSED');
    expect(r.stderr).toContain('ORCHESTRATOR_URL');
    expect(r.stderr).not.toMatch(/fetch failed|\n\s+at /);
  });

  it('says the default URL is a default when ORCHESTRATOR_URL is unset', async () => {
    const r = await call(['end', '127.0.0.3'], {});
    // 8000 may be in use by someone else's orchestrator; only an unreachable default is checked.
    if (r.code === 3)
      expect(r.stderr).toMatch(
        /http:\/\/127\.0\.0\.1:8000\/server\/end \(the default; set ORCHESTRATOR_URL to change it\)/,
      );
    else expect([0, 1]).toContain(r.code);
  });

  it('refuses an ORCHESTRATOR_URL that is not a URL in one line', async () => {
    const r = await call(['end', '127.0.0.3'], { ORCHESTRATOR_URL: 'localhost8000' });
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(
      'call.mjs: ORCHESTRATOR_URL="localhost8000" is not a URL; expected e.g. http://127.0.0.1:8000\n',
    );
  });
});
