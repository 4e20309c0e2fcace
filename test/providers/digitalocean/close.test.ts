import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../../src/emulator/index.js';
import { ProviderError } from '../../../src/providers/provider.js';
import { testOrchestrator } from '../../helpers/orchestrator.js';
import { eventually, makeDoProvider, specFor, TEST_TOKEN } from './do-test-kit.js';

/**
 * close() is bounded: it ends the provider's requests in flight (an emulator holding every
 * answer for two minutes stands for a cloud that hangs), its retry backoff and its waits.
 */
let emu: RunningEmulator | null = null;
afterEach(async () => {
  await emu?.close();
  emu = null;
});

const held = { slowRate: 1, slowMs: 120_000 };

describe('DigitalOceanProvider.close()', () => {
  it('aborts a request in flight: list() fails at once with a ProviderError', async () => {
    emu = await startEmulator({ port: 0, token: TEST_TOKEN, logger: false, faults: held });
    const provider = makeDoProvider(emu.url, { requestTimeoutMs: 600_000, maxRetries: 8 });
    const listing = provider.list();
    const outcome = listing.then(
      () => 'answered',
      (err: unknown) => err,
    );
    await eventually(
      'the list to reach the emulator',
      async () => emu!.requestCounts()['GET /v2/droplets'] === 1,
      5000,
    );
    await provider.close();
    const err = await outcome;
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).message).toMatch(/provider closed/);
    expect((err as ProviderError).opts.retryable).toBe(false);
    // Nothing more is sent after close.
    await expect(provider.get('123')).rejects.toThrow(/provider closed/);
    expect(emu.requestCounts()['GET /v2/droplets/{droplet_id}']).toBeUndefined();
  }, 15_000);

  it('aborts a create in flight, as an ambiguous failure (the droplet may have been made)', async () => {
    emu = await startEmulator({ port: 0, token: TEST_TOKEN, logger: false, faults: held });
    const provider = makeDoProvider(emu.url, { requestTimeoutMs: 600_000 });
    const creating = provider.create(specFor()).then(
      () => 'answered',
      (err: unknown) => err,
    );
    await eventually(
      'the create to reach the emulator',
      async () =>
        (emu!.requestCounts()['GET /v2/droplets'] ?? 0) + (emu!.requestCounts()['POST /v2/droplets'] ?? 0) >= 1,
      5000,
    );
    await provider.close();
    const err = await creating;
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).message).toMatch(/provider closed/);
  }, 15_000);

  it('cuts a retry backoff short', async () => {
    emu = await startEmulator({ port: 0, token: TEST_TOKEN, logger: false, faults: { errorRate: 1 } });
    const provider = makeDoProvider(emu.url, {
      maxRetries: 8,
      retryBaseMs: 600_000,
      retryMaxMs: 600_000,
      random: () => 0.99,
    });
    const listing = provider.list().then(
      () => 'answered',
      (err: unknown) => err,
    );
    await eventually('the first attempt to fail', async () => emu!.requestCounts()['GET /v2/droplets'] === 1, 5000);
    await provider.close();
    expect(await listing).toBeInstanceOf(ProviderError);
    expect(emu.requestCounts()['GET /v2/droplets']).toBe(1);
  }, 15_000);
});

describe('orchestrator close() on DigitalOcean', () => {
  it('does not wait for a reconcile pass whose listing the cloud holds', async () => {
    emu = await startEmulator({ port: 0, logger: false, faults: held });
    const orch = await testOrchestrator(
      {
        PROVIDER: 'digitalocean',
        DIGITALOCEAN_TOKEN: 'dop_v1_test',
        SNAPSHOT_ID: '7555620',
        DO_API_URL: emu.url,
        DO_REQUEST_TIMEOUT_MS: '600000',
      },
      { reconcile: true },
    );
    await eventually('the first pass to be listing', async () => emu!.requestCounts()['GET /v2/droplets'] === 1, 5000);
    await orch.close();
    await emu.close();
    emu = null;
  }, 15_000);
});
