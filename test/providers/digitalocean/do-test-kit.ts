import { randomUUID } from 'node:crypto';
import pino, { type Logger } from 'pino';
import {
  DigitalOceanProvider,
  type DigitalOceanProviderOptions,
} from '../../../src/providers/digitalocean/digitalocean-provider.js';
import type { MachineSpec } from '../../../src/providers/provider.js';
import { systemClock } from '../../../src/util/clock.js';

export const TEST_TOKEN = 'dop_v1_0123456789abcdef-test-token-secret';
export const TEST_TAG = 'gs-test';
/** The emulator's private snapshot (spec example): in nyc2 and nyc3, min disk 20 GB. */
export const SNAPSHOT_ID = '7555620';

export const silentLogger: Logger = pino({ level: 'silent' });

/** A logger whose every line lands in `lines`, to prove what is (not) logged. */
export function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) });
  return { logger, lines };
}

/** A provider on `apiUrl` with test-speed timings; `over` replaces any option. */
export function makeDoProvider(apiUrl: string, over: Partial<DigitalOceanProviderOptions> = {}): DigitalOceanProvider {
  return new DigitalOceanProvider({
    token: TEST_TOKEN,
    apiUrl,
    tag: TEST_TAG,
    size: 's-1vcpu-1gb',
    image: SNAPSHOT_ID,
    requestTimeoutMs: 5000,
    maxRetries: 6,
    retryBaseMs: 5,
    retryMaxMs: 40,
    createSettleMs: 20,
    clock: systemClock,
    logger: silentLogger,
    ...over,
  });
}

export function specFor(serverId: string = randomUUID()): MachineSpec {
  return {
    serverId,
    credential: `cred-${serverId.slice(0, 8)}`,
    orchestratorUrl: 'http://127.0.0.1:8000',
    region: 'nyc3',
  };
}

/** Polls `fn` until it returns something truthy; fails with `what` after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  timeoutMs = 5000,
  intervalMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
