import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHetznerEmulator, type RunningHetznerEmulator } from '../../src/emulator/hetzner/index.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { originPrice } from '../../src/operator/costs.js';
import { FleetProvider } from '../../src/providers/fleet-provider.js';
import { makesOrigin, originFor } from '../../src/providers/provider.js';
import { eventually, makeDoProvider, specFor } from './digitalocean/do-test-kit.js';
import { makeHzProvider } from './hetzner/hz-test-kit.js';

/**
 * Regions across clouds (issue 25 item 3), over real HTTP to both emulators: each create lands on
 * the cloud its region is on, ids of the second cloud carry its name, a listing is both clouds'
 * (and fails whole when one fails), and rows record the cloud that made their machine.
 */
describe('FleetProvider: DigitalOcean nyc3 + Hetzner fsn1 in one fleet', () => {
  let doEmu: RunningEmulator;
  let hzEmu: RunningHetznerEmulator;
  let fleet: FleetProvider;

  beforeAll(async () => {
    doEmu = await startEmulator({ port: 0, bootDelayMs: 20, seed: 21 });
    hzEmu = await startHetznerEmulator({ port: 0, bootDelayMs: 20, seed: 22 });
    fleet = new FleetProvider([
      { provider: makeDoProvider(doEmu.url), regions: ['nyc3', 'ams3'] },
      { provider: makeHzProvider(hzEmu.url, { maxRetries: 0 }), regions: ['fsn1'] },
    ]);
  });
  afterAll(async () => {
    await fleet?.close();
    await Promise.all([doEmu?.close(), hzEmu?.close()]);
  });

  it('creates each machine on the cloud of its region, and reads, lists and deletes it there', async () => {
    const onDo = await fleet.create({ ...specFor(), region: 'nyc3' });
    const onHz = await fleet.create({ ...specFor(), region: 'fsn1' });
    expect(onDo.providerId).toMatch(/^\d+$/);
    expect(onHz.providerId).toMatch(/^hetzner:\d+$/);
    expect(doEmu.droplets().map((d) => String(d.id))).toEqual([onDo.providerId]);
    expect(hzEmu.servers().map((s) => `hetzner:${s.id}`)).toEqual([onHz.providerId]);

    const want = [
      [onDo.providerId, 'nyc3'],
      [onHz.providerId, 'fsn1'],
    ];
    const listed = await eventually('both machines listed', async () => {
      const all = await fleet.list();
      const seen = all.map((m) => [m.providerId, m.region]);
      return JSON.stringify(seen.sort()) === JSON.stringify([...want].sort()) && all;
    });
    expect(listed.find((m) => m.providerId === onHz.providerId)?.serverId).toBe(onHz.serverId);
    expect((await fleet.get(onHz.providerId))?.region).toBe('fsn1');
    expect((await fleet.get(onDo.providerId))?.region).toBe('nyc3');

    await eventually('the Hetzner server gone', async () => (await fleet.delete(onHz.providerId)) === 'gone');
    expect(hzEmu.servers().find((s) => `hetzner:${s.id}` === onHz.providerId)?.deletedAtMs).not.toBeNull();
    expect(doEmu.droplets()[0]?.deletedAtMs ?? null).toBeNull();
    await eventually('the droplet gone', async () => (await fleet.delete(onDo.providerId)) === 'gone');
  });

  it('records each machine under the cloud that made it', () => {
    expect(originFor(fleet, 'nyc3')).toBe('digitalocean');
    expect(originFor(fleet, 'fsn1')).toBe('hetzner');
    expect(makesOrigin(fleet, 'hetzner')).toBe(true);
    expect(makesOrigin(fleet, 'digitalocean')).toBe(true);
    expect(makesOrigin(fleet, 'local')).toBe(false);
    expect(makesOrigin(fleet, 'external')).toBe(false);
  });

  it('prices each cloud at its own size, by the origin its rows carry', async () => {
    const p = await fleet.prices();
    expect(Object.keys(p.hourlyByOrigin ?? {}).sort()).toEqual(['digitalocean', 'hetzner']);
    expect(p.hourlyByOrigin!.digitalocean).toBeGreaterThan(0);
    expect(p.hourlyByOrigin!.hetzner).toBeGreaterThan(0);
    expect(p.hourlyByOrigin!.digitalocean).not.toBe(p.hourlyByOrigin!.hetzner);
    const report = { hourlyUsd: 1, hourlyByOrigin: p.hourlyByOrigin };
    expect(originPrice(report, 'digitalocean', 'hetzner')).toBe(p.hourlyByOrigin!.hetzner);
    expect(originPrice(report, 'digitalocean', 'external')).toBe(0);
    expect(originPrice({ hourlyUsd: 0.5 }, 'digitalocean', 'digitalocean')).toBe(0.5);
    expect(originPrice({ hourlyUsd: 0.5 }, 'digitalocean', 'hetzner')).toBe(0);
  });

  it('fails the whole listing when one cloud cannot list: a partial list never reads as machines gone', async () => {
    hzEmu.setFaults({ errorRate: 1 });
    try {
      await expect(fleet.list()).rejects.toThrow();
    } finally {
      hzEmu.setFaults({ errorRate: 0 });
    }
    await expect(fleet.list()).resolves.toBeInstanceOf(Array);
  });

  it('refuses a fleet where one region is on two clouds', () => {
    const a = makeDoProvider(doEmu.url);
    const b = makeHzProvider(hzEmu.url);
    expect(
      () =>
        new FleetProvider([
          { provider: a, regions: ['nyc3'] },
          { provider: b, regions: ['nyc3'] },
        ]),
    ).toThrow(/two providers/);
    void a.close();
    void b.close();
  });
});
