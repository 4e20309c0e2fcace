import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHetznerEmulator } from '../../src/emulator/hetzner/index.js';
import { startEmulator } from '../../src/emulator/index.js';
import { FleetProvider } from '../../src/providers/fleet-provider.js';
import { LocalProvider } from '../../src/providers/local/local-provider.js';
import { ProviderError, type Machine, type MachineSpec, type Provider } from '../../src/providers/provider.js';
import { eventually, makeDoProvider, silentLogger } from '../providers/digitalocean/do-test-kit.js';
import { makeHzProvider } from '../providers/hetzner/hz-test-kit.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const GAME_SERVER = path.join(REPO, 'examples/game-server/server.mjs');

/** One provider under test, plus an id it has certainly never handed out. */
interface Harness {
  provider: Provider;
  /** A region it makes machines in, and one where it makes none. */
  region: string;
  closedRegion: string;
  unknownId: string;
  close(): Promise<void>;
}

const KINDS = ['local', 'digitalocean', 'hetzner', 'fleet'] as const;

const HARNESSES: Record<(typeof KINDS)[number], () => Promise<Harness>> = {
  local: async () => {
    const provider = new LocalProvider({
      command: `node ${GAME_SERVER}`,
      stopGraceMs: 1000,
      logger: silentLogger,
      // Nobody listens on the discard port: heartbeats fail quietly, and an empty server must not exit mid-test.
      env: { HEARTBEAT_INTERVAL_MS: '60000', EMPTY_SHUTDOWN_MS: '600000' },
    });
    return {
      provider,
      region: 'local',
      closedRegion: 'nowhere',
      unknownId: randomUUID(),
      close: () => provider.close(),
    };
  },
  digitalocean: async () => {
    // A little boot and delete lag, so "eventually" is exercised rather than assumed.
    const emu = await startEmulator({ port: 0, bootDelayMs: 50, seed: 11, faults: { deleteLagMs: 100 } });
    const provider = makeDoProvider(emu.url);
    return {
      provider,
      region: 'nyc3',
      // A legacy region DigitalOcean closed to new droplets (the emulator's catalogue keeps it).
      closedRegion: 'ams2',
      unknownId: '987654321',
      close: async () => {
        await provider.close();
        await emu.close();
      },
    };
  },
  hetzner: async () => {
    // The same boot and delete lag as DigitalOcean's, on the Hetzner Cloud emulator.
    const emu = await startHetznerEmulator({ port: 0, bootDelayMs: 50, seed: 11, faults: { deleteLagMs: 100 } });
    // cx23 is offered in the EU locations only: ash takes none of them (412 resource_unavailable).
    const provider = makeHzProvider(emu.url, { serverType: 'cx23' });
    return {
      provider,
      region: 'fsn1',
      closedRegion: 'ash',
      unknownId: '987654321',
      close: async () => {
        await provider.close();
        await emu.close();
      },
    };
  },
  fleet: async () => {
    // Regions across clouds: DigitalOcean's nyc3 first (its ids as they are), Hetzner's fsn1 and
    // ash behind it (ids `hetzner:<id>`). The suite creates in fsn1, through the fleet's routing.
    const doEmu = await startEmulator({ port: 0, bootDelayMs: 50, seed: 12, faults: { deleteLagMs: 100 } });
    const hzEmu = await startHetznerEmulator({ port: 0, bootDelayMs: 50, seed: 13, faults: { deleteLagMs: 100 } });
    const provider = new FleetProvider([
      { provider: makeDoProvider(doEmu.url), regions: ['nyc3'] },
      { provider: makeHzProvider(hzEmu.url, { serverType: 'cx23' }), regions: ['fsn1', 'ash'] },
    ]);
    return {
      provider,
      region: 'fsn1',
      closedRegion: 'ash',
      unknownId: 'hetzner:987654321',
      close: async () => {
        await provider.close();
        await Promise.all([doEmu.close(), hzEmu.close()]);
      },
    };
  },
};

function specFor(region: string): MachineSpec {
  const serverId = randomUUID();
  return { serverId, credential: `cred-${serverId.slice(0, 8)}`, orchestratorUrl: 'http://127.0.0.1:9', region };
}

async function deleteUntilGone(provider: Provider, id: string): Promise<void> {
  await eventually(`delete(${id}) to be gone`, async () => (await provider.delete(id)) === 'gone', 10_000, 25);
}

for (const kind of KINDS) {
  describe(`Provider contract: ${kind}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await HARNESSES[kind]();
    });
    afterAll(() => h.close());

    it('create() is idempotent per serverId, sequentially and concurrently', async () => {
      const spec = specFor(h.region);
      const [a, b] = await Promise.all([h.provider.create(spec), h.provider.create(spec)]);
      const c = await h.provider.create(spec);
      expect(a.serverId).toBe(spec.serverId);
      expect(b.providerId).toBe(a.providerId);
      expect(c.providerId).toBe(a.providerId);
      const mine = (await h.provider.list()).filter((m) => m.serverId === spec.serverId);
      expect(mine.map((m) => m.providerId)).toEqual([a.providerId]);
      await deleteUntilGone(h.provider, a.providerId);
    });

    it('the machine appears in list() with its serverId and eventually an ip; get() finds it', async () => {
      const spec = specFor(h.region);
      const made = await h.provider.create(spec);
      const listed = await eventually('an address in list()', async () =>
        (await h.provider.list()).find((m: Machine) => m.providerId === made.providerId && m.ip !== null),
      );
      expect(listed.serverId).toBe(spec.serverId);
      expect(made.region).toBe(h.region);
      expect(listed.region).toBe(h.region);
      expect(listed.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect(listed.createdAtMs).toBeGreaterThan(0);
      const got = await h.provider.get(made.providerId);
      expect(got).toMatchObject({ providerId: made.providerId, serverId: spec.serverId, ip: listed.ip });
      await deleteUntilGone(h.provider, made.providerId);
    });

    it('create() in a region that takes no machines is a definite refusal with status 422, not ambiguous', async () => {
      const err = await h.provider.create(specFor(h.closedRegion)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ProviderError);
      expect((err as ProviderError).ambiguous).toBe(false);
      expect((err as ProviderError).opts.status).toBe(422);
      expect((await h.provider.list()).filter((m) => m.region === h.closedRegion)).toEqual([]);
    });

    it('get(unknown) is null', async () => {
      expect(await h.provider.get(h.unknownId)).toBeNull();
    });

    it('delete() ends in gone and is idempotent; list() drops the machine eventually', async () => {
      const made = await h.provider.create(specFor(h.region));
      await deleteUntilGone(h.provider, made.providerId);
      expect(await h.provider.delete(made.providerId)).toBe('gone');
      expect(await h.provider.delete(h.unknownId)).toBe('gone');
      await eventually('list() without the deleted machine', async () =>
        (await h.provider.list()).every((m) => m.providerId !== made.providerId),
      );
      expect(await h.provider.get(made.providerId)).toBeNull();
    });
  });
}
