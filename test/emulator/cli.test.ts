import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseEmulatorArgs } from '../../src/emulator/cli.js';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('parseEmulatorArgs', () => {
  it('maps flags to options and faults', () => {
    const opts = parseEmulatorArgs([
      '--port',
      '4010',
      '--boot-delay-ms',
      '2500',
      '--token',
      't',
      '--droplet-limit',
      '3',
      '--error-rate',
      '0.2',
      '--slow-rate',
      '0.1',
      '--slow-ms',
      '800',
      '--drop-rate',
      '0.05',
      '--lost-create-rate',
      '0.5',
      '--list-lag-ms',
      '4000',
      '--delete-lag-ms',
      '6000',
      '--seed',
      '9',
    ]);
    expect(opts).toEqual({
      port: 4010,
      host: '127.0.0.1',
      bootDelayMs: 2500,
      token: 't',
      dropletLimit: 3,
      seed: 9,
      faults: {
        errorRate: 0.2,
        slowRate: 0.1,
        slowMs: 800,
        dropRate: 0.05,
        lostCreateRate: 0.5,
        listLagMs: 4000,
        deleteLagMs: 6000,
      },
    });
  });

  it('rejects a flag that is not a number and an unknown flag', () => {
    expect(() => parseEmulatorArgs(['--error-rate', 'lots'])).toThrow(/--error-rate/);
    expect(() => parseEmulatorArgs(['--chaos'])).toThrow();
    expect(parseEmulatorArgs(['--help'])).toBeNull();
  });
});

describe('do-emulator process', () => {
  it('prints its URL, serves the API and exits 0 on SIGTERM', async () => {
    const script =
      "import { runEmulatorCli } from './src/emulator/cli.ts'; await runEmulatorCli(process.argv.slice(1));";
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script, '--', '--boot-delay-ms', '10', '--token', 'cli-token'],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
      const url = chunk.toString().trim().split('\n')[0] ?? '';
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${url}/v2/account`, { headers: { authorization: 'Bearer cli-token' } });
      expect(res.status).toBe(200);
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 20_000);
});
