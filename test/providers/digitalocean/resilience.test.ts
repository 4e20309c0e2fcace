import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator } from '../../../src/emulator/index.js';
import type { DigitalOceanProvider } from '../../../src/providers/digitalocean/digitalocean-provider.js';
import type { Machine } from '../../../src/providers/provider.js';
import { ProviderError } from '../../../src/providers/provider.js';
import { makeDoProvider, specFor } from './do-test-kit.js';

type Emulator = Awaited<ReturnType<typeof startEmulator>>;
const running: Emulator[] = [];
afterEach(async () => {
  for (const e of running.splice(0)) await e.close();
});

async function emulator(opts: Parameters<typeof startEmulator>[0]): Promise<Emulator> {
  const e = await startEmulator(opts);
  running.push(e);
  return e;
}

/** What the reconciler does with an ambiguous create: ask again later (same server id). */
async function createLikeReconciler(
  provider: DigitalOceanProvider,
  spec: ReturnType<typeof specFor>,
): Promise<Machine> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await provider.create(spec);
    } catch (err) {
      if (!(err instanceof ProviderError) || !err.ambiguous || attempt >= 6) throw err;
    }
  }
}

async function deleteUntilGone(provider: DigitalOceanProvider, id: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    try {
      if ((await provider.delete(id)) === 'gone') return;
    } catch (err) {
      if (!(err instanceof ProviderError) || !err.opts.retryable) throw err;
    }
  }
  throw new Error(`droplet ${id} never confirmed gone`);
}

describe('DigitalOceanProvider through faults', () => {
  it('gets every server exactly one droplet through 20% 5xx, 10% drops and 20% slow (timed-out) responses', async () => {
    const emu = await emulator({
      port: 0,
      bootDelayMs: 10,
      seed: 42,
      faults: { errorRate: 0.2, dropRate: 0.1, slowRate: 0.2, slowMs: 250 },
    });
    const provider = makeDoProvider(emu.url, { requestTimeoutMs: 100, maxRetries: 10, createSettleMs: 250 });
    const specs = Array.from({ length: 12 }, () => specFor());
    const made: Machine[] = [];
    for (const spec of specs) made.push(await createLikeReconciler(provider, spec));

    for (const spec of specs) {
      expect(emu.droplets().filter((d) => d.name === `gs-${spec.serverId}` && d.deletedAtMs === null)).toHaveLength(1);
    }
    const listed = await provider.list();
    expect(new Set(listed.map((m) => m.serverId))).toEqual(new Set(specs.map((s) => s.serverId)));
    for (const m of made) await deleteUntilGone(provider, m.providerId);
    emu.setFaults({ errorRate: 0, dropRate: 0, slowRate: 0 });
    expect(await provider.list()).toEqual([]);
    const counts = emu.requestCounts();
    // The faults really fired: far more requests than the 2 per create, 1 list and 2 per delete.
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBeGreaterThan(12 * 4 + 2);
  }, 30_000);

  it('honours retry-after on a burst of 429s, then succeeds', async () => {
    const emu = await emulator({ port: 0, bootDelayMs: 10, seed: 1, faults: { burst429: 2, burst429RetryAfterS: 1 } });
    const provider = makeDoProvider(emu.url);
    const startedMs = Date.now();
    expect(await provider.list()).toEqual([]);
    const elapsedMs = Date.now() - startedMs;
    expect(elapsedMs).toBeGreaterThanOrEqual(1900);
    expect(elapsedMs).toBeLessThan(8000);
    expect(emu.requestCounts()['GET /v2/droplets']).toBe(3);
  });

  it('retries the name check through a burst of 429s and still makes one droplet', async () => {
    const emu = await emulator({ port: 0, bootDelayMs: 10, seed: 1, faults: { burst429: 3, burst429RetryAfterS: 0 } });
    const provider = makeDoProvider(emu.url);
    const spec = specFor();
    const m = await provider.create(spec);
    expect(m.serverId).toBe(spec.serverId);
    expect(emu.droplets()).toHaveLength(1);
    expect(emu.requestCounts()['GET /v2/droplets']).toBe(4);
    expect(emu.requestCounts()['POST /v2/droplets']).toBe(1);
  });

  it('fails fast with a retryable error when the hourly budget is spent, keeping the rest for deletes', async () => {
    const emu = await emulator({ port: 0, bootDelayMs: 10 });
    // 40 an hour: reads keep 5% (2 requests) back for creates and deletes.
    const provider = makeDoProvider(emu.url, { rateLimitPerHour: 40, maxRateWaitMs: 1000 });
    for (let i = 0; i < 38; i++) await provider.list();
    const err = (await provider.list().catch((e: unknown) => e)) as ProviderError;
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.opts.retryable).toBe(true);
    expect(err.ambiguous).toBe(false);
    expect(err.opts.retryAfterMs).toBeGreaterThan(3_000_000);
    expect(await provider.delete('123')).toBe('gone');
    expect(emu.requestCounts()['GET /v2/droplets']).toBe(38);
  });
});
