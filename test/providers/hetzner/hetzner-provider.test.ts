import { afterEach, describe, expect, it } from 'vitest';
import { startHetznerEmulator, type RunningHetznerEmulator } from '../../../src/emulator/hetzner/index.js';
import type { HetznerProvider } from '../../../src/providers/hetzner/hetzner-provider.js';
import { ProviderError } from '../../../src/providers/provider.js';
import { capturingLogger } from '../digitalocean/do-test-kit.js';
import { HZ_LABEL, HZ_PROVIDER_TOKEN, hzSpecFor as specFor, makeHzProvider } from './hz-test-kit.js';

let emu: RunningHetznerEmulator | null = null;
let provider: HetznerProvider | null = null;
afterEach(async () => {
  await provider?.close();
  await emu?.close();
  emu = null;
  provider = null;
});

async function setUp(
  emuOpts: Parameters<typeof startHetznerEmulator>[0] = {},
  over: Parameters<typeof makeHzProvider>[1] = {},
): Promise<{ emu: RunningHetznerEmulator; provider: HetznerProvider }> {
  emu = await startHetznerEmulator({ bootDelayMs: 20, seed: 3, ...emuOpts });
  provider = makeHzProvider(emu.url, over);
  return { emu, provider };
}

describe('Hetzner provider', () => {
  it("creates from the snapshot in the spec's region (a location) with cloud-init user data and the owner label", async () => {
    const { emu, provider } = await setUp();
    const spec = { ...specFor(), region: 'hel1' };
    const m = await provider.create(spec);
    const [server] = emu.servers();
    expect(server).toMatchObject({ name: `gs-${spec.serverId}`, location: 'hel1', serverType: 'cpx22' });
    expect(m.region).toBe('hel1');
    expect(server!.labels).toEqual({ [HZ_LABEL]: spec.serverId });
    expect(server!.userData).toContain(`SERVER_CREDENTIAL=${spec.credential}`);
    expect(m).toMatchObject({ providerId: String(server!.id), serverId: spec.serverId, status: 'new' });
  });

  it('lists only servers with its label, across pages', async () => {
    const { provider } = await setUp({ serverLimit: 100 });
    const other = makeHzProvider(emu!.url, { labelKey: 'someone-else' });
    const mine = await Promise.all(Array.from({ length: 53 }, () => provider.create(specFor())));
    await other.create(specFor());
    await other.close();
    const listed = await provider.list();
    expect(listed.map((m) => m.providerId).sort()).toEqual(mine.map((m) => m.providerId).sort());
    expect(emu!.requestCounts()['GET /v1/servers']).toBeGreaterThanOrEqual(53 + 1 + 2);
  });

  it('a lost create answer is adopted by name (409 uniqueness_error), never a second server', async () => {
    const { emu, provider } = await setUp({ faults: { lostCreateRate: 1, listLagMs: 60 } });
    const spec = specFor();
    const m = await provider.create(spec);
    expect(emu.servers()).toHaveLength(1);
    expect(m.providerId).toBe(String(emu.servers()[0]!.id));
    expect(emu.requestCounts()['POST /v1/servers']).toBeGreaterThanOrEqual(1);
  });

  it('many creates under lost answers, 5xx, drops and 429s: one server per serverId', async () => {
    const { emu, provider } = await setUp({
      seed: 5,
      faults: { lostCreateRate: 0.4, errorRate: 0.15, dropRate: 0.1, burst429: 3, listLagMs: 30 },
    });
    const specs = Array.from({ length: 12 }, () => specFor());
    const results = await Promise.allSettled(specs.map((s) => provider.create(s)));
    emu.setFaults({ lostCreateRate: 0, errorRate: 0, dropRate: 0, listLagMs: 0 });
    // What failed is created (or adopted) by a second try, as the reconciler would.
    for (const [i, r] of results.entries()) if (r.status === 'rejected') await provider.create(specs[i]!);
    const names = emu.servers().map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.sort()).toEqual(specs.map((s) => `gs-${s.serverId}`).sort());
  });

  it("the project's server limit is capacity, not a failure to retry", async () => {
    const refused: string[] = [];
    const { provider } = await setUp({ serverLimit: 1 }, { onLimitRefused: (m) => refused.push(m) });
    await provider.create(specFor());
    const err = await provider.create(specFor()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).opts).toMatchObject({ capacity: true, retryable: false, status: 403 });
    expect(refused).toHaveLength(1);
  });

  it('reads the rate budget from RateLimit-* headers; prices from server_types in its location', async () => {
    const { provider } = await setUp({ rateLimitPerHour: 100 });
    await provider.list();
    const t = provider.telemetry();
    expect(t.rateBudget?.remainingHour).toBeLessThanOrEqual(99);
    expect(t.calls.find((c) => c.route === 'GET /v1/servers')?.count).toBe(1);
    const prices = await provider.prices();
    expect(prices.currentSize).toBe('cpx22');
    expect(prices.hourlyUsd.cpx22).toBeCloseTo(0.0112, 6);
    expect(prices.hourlyUsd.cx23).toBeCloseTo(0.006, 6);
  });

  it('get(unknown) is null; delete(unknown) and delete twice are gone', async () => {
    const { provider } = await setUp();
    expect(await provider.get('987654321')).toBeNull();
    expect(await provider.delete('987654321')).toBe('gone');
    expect(await provider.delete('not-an-id')).toBe('gone');
    const m = await provider.create(specFor());
    expect(await provider.delete(m.providerId)).toBe('gone');
    expect(await provider.delete(m.providerId)).toBe('gone');
  });

  it('a refused token (401) is named in errors and logs without the token', async () => {
    const log = capturingLogger();
    const { provider } = await setUp({ token: 'the-right-token' }, { logger: log.logger });
    const err = (await provider.list().catch((e: unknown) => e)) as ProviderError;
    expect(err.opts).toMatchObject({ status: 401, code: 'unauthorized' });
    expect(err.message).not.toContain(HZ_PROVIDER_TOKEN);
    expect(log.lines.join('\n')).not.toContain(HZ_PROVIDER_TOKEN);
  });
});
