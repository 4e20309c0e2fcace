import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator } from '../../../src/emulator/index.js';
import { isMachineUp, waitForMachineUp } from '../../../src/providers/digitalocean/readiness.js';
import { ProviderError } from '../../../src/providers/provider.js';
import { systemClock } from '../../../src/util/clock.js';
import { eventually, makeDoProvider, specFor, TEST_TAG, TEST_TOKEN } from './do-test-kit.js';

type Emulator = Awaited<ReturnType<typeof startEmulator>>;
let emu: Emulator;

beforeAll(async () => {
  emu = await startEmulator({ port: 0, bootDelayMs: 60, token: TEST_TOKEN, seed: 7, dropletLimit: 50 });
});
afterAll(() => emu.close());
beforeEach(() => {
  emu.reset();
  emu.resetCounts();
});

describe('DigitalOceanProvider against the emulator', () => {
  it('create → boot → list → get → delete', async () => {
    const provider = makeDoProvider(emu.url);
    const spec = specFor();
    const made = await provider.create(spec);
    expect(made).toMatchObject({ serverId: spec.serverId, status: 'new', ip: null, port: null });
    expect(isMachineUp(made)).toBe(false);

    const up = await waitForMachineUp(provider, made.providerId, { clock: systemClock, timeoutMs: 5000, pollMs: 20 });
    expect(up.status).toBe('active');
    expect(up.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(emu.droplets().find((d) => d.id === Number(made.providerId))?.publicIpv4).toBe(up.ip);

    const listed = await provider.list();
    expect(listed).toEqual([up]);
    expect(await provider.get(made.providerId)).toEqual(up);

    expect(await provider.delete(made.providerId)).toBe('gone');
    expect(await provider.get(made.providerId)).toBeNull();
    expect(await provider.list()).toEqual([]);
    await provider.close();
  });

  it('sends the name, tags, image id and cloud-init the orchestrator relies on', async () => {
    const provider = makeDoProvider(emu.url, { extraTags: ['env:test'] });
    const spec = specFor();
    await provider.create(spec);
    const [d] = emu.droplets();
    expect(d).toMatchObject({ name: `gs-${spec.serverId}`, region: 'nyc3', size: 's-1vcpu-1gb', image: 7555620 });
    expect(d!.tags).toEqual([TEST_TAG, `gs-id:${spec.serverId}`, 'env:test']);
    expect(d!.userData).toMatch(/^#cloud-config\n/);
    expect(d!.userData).toContain(`SERVER_ID=${spec.serverId}\\n`);
    expect(d!.userData).toContain(`SERVER_CREDENTIAL=${spec.credential}\\n`);
  });

  it('create is idempotent: a second create for the server adopts the first droplet', async () => {
    const provider = makeDoProvider(emu.url);
    const spec = specFor();
    const a = await provider.create(spec);
    const b = await provider.create(spec);
    expect(b.providerId).toBe(a.providerId);
    expect(emu.droplets()).toHaveLength(1);
    expect(emu.requestCounts()['POST /v2/droplets']).toBe(1);
  });

  it('adopts the droplet after a lost create response: exactly one exists', async () => {
    emu.setFaults({ lostCreateRate: 1 });
    const provider = makeDoProvider(emu.url);
    for (let i = 0; i < 4; i++) {
      const spec = specFor();
      const m = await provider.create(spec);
      const mine = emu.droplets().filter((d) => d.name === `gs-${spec.serverId}`);
      expect(mine).toHaveLength(1);
      expect(m.providerId).toBe(String(mine[0]!.id));
      expect(m.serverId).toBe(spec.serverId);
    }
    expect(emu.requestCounts()['POST /v2/droplets']).toBe(4);
  });

  it('reports definite 4xx refusals with the API message, not ambiguous', async () => {
    const wrongRegion = makeDoProvider(emu.url);
    const err = (await wrongRegion.create({ ...specFor(), region: 'nyc1' }).catch((e: unknown) => e)) as ProviderError;
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.ambiguous).toBe(false);
    expect(err.message).toContain('The image is not available in the requested region.');

    const limited = await startEmulator({ port: 0, bootDelayMs: 10, dropletLimit: 1 });
    try {
      const provider = makeDoProvider(limited.url);
      await provider.create(specFor());
      const limitErr = (await provider.create(specFor()).catch((e: unknown) => e)) as ProviderError;
      expect(limitErr.ambiguous).toBe(false);
      expect(limitErr.opts.status).toBe(422);
      expect(limitErr.message).toContain('will exceed your droplet limit');
      expect(limited.droplets()).toHaveLength(1);
    } finally {
      await limited.close();
    }
  });

  it('does not leak the token when the API refuses it', async () => {
    const provider = makeDoProvider(emu.url, { token: 'dop_v1_wrong-secret-value' });
    const err = (await provider.list().catch((e: unknown) => e)) as ProviderError;
    expect(err.opts.status).toBe(401);
    expect(err.message).toContain('Unable to authenticate you.');
    expect(err.message).not.toContain('dop_v1_wrong-secret-value');
  });

  it('get(unknown) is null and delete(unknown) is gone', async () => {
    const provider = makeDoProvider(emu.url);
    expect(await provider.get('987654321')).toBeNull();
    expect(await provider.get('not-a-number')).toBeNull();
    expect(await provider.delete('987654321')).toBe('gone');
  });

  it('confirms deletes: pending while the droplet is still visible, then gone', async () => {
    emu.setFaults({ deleteLagMs: 300 });
    const provider = makeDoProvider(emu.url);
    const m = await provider.create(specFor());
    expect(await provider.delete(m.providerId)).toBe('pending');
    expect((await provider.list()).map((x) => x.providerId)).toContain(m.providerId);
    await eventually('delete to be confirmed', async () => (await provider.delete(m.providerId)) === 'gone', 3000, 50);
    expect(await provider.list()).toEqual([]);
  });
});
