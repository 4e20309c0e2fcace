import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHetznerDoctorCli } from '../../src/doctor/cli.js';
import { runHetznerDoctor, type HetznerDoctorOptions } from '../../src/doctor/hetzner-doctor.js';
import { startHetznerEmulator, type RunningHetznerEmulator } from '../../src/emulator/hetzner/index.js';

const TOKEN = 'hcloud-doctor-test-secret-0123456789';
let emu: RunningHetznerEmulator;
beforeAll(async () => {
  emu = await startHetznerEmulator({ token: TOKEN, bootDelayMs: 10 });
});
afterAll(() => emu.close());

/** Healthy settings: the emulator's snapshot 310000001 (x86, 20 GB) and cpx22 (80 GB) in fsn1. */
function opts(over: Partial<HetznerDoctorOptions> = {}): HetznerDoctorOptions {
  return {
    token: TOKEN,
    apiUrl: emu.url,
    location: 'fsn1',
    serverType: 'cpx22',
    image: '310000001',
    requestTimeoutMs: 5000,
    ...over,
  };
}

const failedNames = async (o: HetznerDoctorOptions): Promise<string[]> =>
  (await runHetznerDoctor(o)).checks.filter((c) => !c.ok).map((c) => c.name);

describe('doctor with PROVIDER=hetzner', () => {
  it('passes token, location, server type, image and fit with good settings; prints no token', async () => {
    const report = await runHetznerDoctor(opts());
    expect(report.checks.map((c) => [c.name, c.ok])).toEqual([
      ['token', true],
      ['location', true],
      ['server type', true],
      ['image', true],
      ['image fits type', true],
    ]);
    const lines: string[] = [];
    expect(await runHetznerDoctorCli(opts(), (l) => lines.push(l))).toBe(0);
    expect(lines.join('\n')).not.toContain(TOKEN);
  });

  it('a missing or refused token fails first, with a fix and without the token', async () => {
    expect(await failedNames(opts({ token: null }))).toEqual(['token']);
    const report = await runHetznerDoctor(opts({ token: 'wrong-token-value' }));
    expect(report.checks).toHaveLength(1);
    expect(report.checks[0]).toMatchObject({ name: 'token', ok: false });
    expect(report.checks[0]!.detail).toContain('401');
    expect(JSON.stringify(report)).not.toContain('wrong-token-value');
  });

  it('names the bad location, a server type not offered there, and an unknown image, each with choices', async () => {
    const loc = await runHetznerDoctor(opts({ location: 'mars1' }));
    expect(loc.checks.find((c) => c.name === 'location')?.fix).toMatch(/fsn1, nbg1, hel1, ash, hil, sin/);
    const type = await runHetznerDoctor(opts({ location: 'ash', serverType: 'cx23' }));
    const t = type.checks.find((c) => c.name === 'server type');
    expect([t?.ok, t?.detail]).toEqual([false, 'cx23 is not offered in ash']);
    expect(t?.fix).toContain('cpx22');
    expect(await failedNames(opts({ image: '123' }))).toEqual(['image']);
    expect(await failedNames(opts({ serverType: 'cax11' }))).toEqual(['image fits type']);
  });
});
