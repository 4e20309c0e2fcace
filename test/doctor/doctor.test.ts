import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDoctorCli } from '../../src/doctor/cli.js';
import { runDoctor, type DoctorOptions } from '../../src/doctor/doctor.js';
import { startEmulator } from '../../src/emulator/index.js';

const TOKEN = 'dop_v1_doctor-test-secret-0123456789';
const SCOPES_FIX =
  'create a token with scopes droplet:create, droplet:read, droplet:delete, tag:read, tag:create, account:read';

type Emulator = Awaited<ReturnType<typeof startEmulator>>;
let emu: Emulator;

beforeAll(async () => {
  emu = await startEmulator({ port: 0, token: TOKEN, dropletLimit: 25, bootDelayMs: 10 });
});
afterAll(() => emu.close());

/** Healthy settings: the emulator's snapshot 7555620 lives in nyc2 and nyc3 and needs 20 GB. */
function opts(over: Partial<DoctorOptions> = {}): DoctorOptions {
  return {
    token: TOKEN,
    apiUrl: emu.url,
    region: 'nyc3',
    size: 's-1vcpu-1gb',
    image: '7555620',
    maxServers: 10,
    requestTimeoutMs: 5000,
    ...over,
  };
}

async function cli(o: DoctorOptions): Promise<{ code: number; text: string }> {
  const lines: string[] = [];
  const code = await runDoctorCli(o, (l) => lines.push(l));
  return { code, text: lines.join('\n') };
}

function failed(report: Awaited<ReturnType<typeof runDoctor>>) {
  return report.checks.filter((c) => !c.ok);
}

describe('doctor', () => {
  it('passes every check with good settings and exits 0', async () => {
    const report = await runDoctor(opts());
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => c.name)).toEqual([
      'token',
      'account status',
      'droplet limit',
      'region',
      'size',
      'image',
      'image fits size',
    ]);
    const { code, text } = await cli(opts());
    expect(code).toBe(0);
    expect(text).toMatch(/PASS\s+image\s/);
    expect(text).not.toContain(TOKEN);
  });

  it('accepts a public image slug', async () => {
    expect((await runDoctor(opts({ image: 'ubuntu-24-04-x64' }))).ok).toBe(true);
  });

  const failures: [string, Partial<DoctorOptions>, string, RegExp][] = [
    ['a wrong token', { token: 'dop_v1_wrong-token-value' }, 'token', /create a token with scopes/],
    ['no token', { token: null }, 'token', /DIGITALOCEAN_TOKEN/],
    ['an unknown snapshot', { image: '999999' }, 'image', /SNAPSHOT_ID/],
    ['a snapshot not in the region', { image: '7555621' }, 'image', /transfer the snapshot to nyc3.*nyc2/],
    ['an unknown size', { size: 's-99vcpu-1tb' }, 'size', /DROPLET_SIZE.*s-1vcpu-1gb/],
    ['a size not offered in the region', { size: 'gpu-h100x1-80gb' }, 'size', /offered in nyc3/],
    ['a disk smaller than the snapshot needs', { size: 's-1vcpu-512mb-10gb' }, 'image fits size', /at least 20 GB/],
    ['an unknown region', { region: 'mars1' }, 'region', /DROPLET_REGION.*nyc3/],
    ['a closed region', { region: 'ams2' }, 'region', /available region/],
    ['a droplet limit below MAX_SERVERS', { maxServers: 30 }, 'droplet limit', /lower MAX_SERVERS to 25/],
  ];

  it.each(failures)('fails on %s with a fix, and the CLI exits 1', async (_what, over, check, fix) => {
    const report = await runDoctor(opts(over));
    expect(report.ok).toBe(false);
    const bad = failed(report);
    expect(bad.map((c) => c.name)).toContain(check);
    for (const c of bad) expect(c.fix, c.name).toBeTruthy();
    expect(bad.find((c) => c.name === check)!.fix).toMatch(fix);
    const { code, text } = await cli(opts(over));
    expect(code).toBe(1);
    expect(text).toMatch(new RegExp(`FAIL\\s+${check}\\s`));
    expect(text).toContain('fix: ');
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('dop_v1_wrong-token-value');
  });

  it('gives the token fix, with the scopes, on a 401', async () => {
    const report = await runDoctor(opts({ token: 'dop_v1_wrong-token-value' }));
    expect(report.checks).toHaveLength(1);
    expect(report.checks[0]).toMatchObject({ name: 'token', ok: false, fix: SCOPES_FIX });
  });

  it('says it cannot reach the API when nothing listens there', async () => {
    const closed = await startEmulator({ port: 0 });
    await closed.close();
    const report = await runDoctor(opts({ apiUrl: closed.url, requestTimeoutMs: 500 }));
    expect(report.ok).toBe(false);
    expect(report.checks[0]!.detail).toMatch(/cannot reach/);
    expect(report.checks[0]!.fix).toMatch(/DO_API_URL/);
  });

  it('fails the droplet limit when the account allows fewer droplets than MAX_SERVERS', async () => {
    const small = await startEmulator({ port: 0, dropletLimit: 5 });
    try {
      const report = await runDoctor(opts({ apiUrl: small.url, maxServers: 10 }));
      expect(failed(report).map((c) => c.name)).toEqual(['droplet limit']);
      expect(failed(report)[0]!.detail).toContain('droplet_limit 5');
    } finally {
      await small.close();
    }
  });
});
