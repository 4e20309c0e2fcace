import { HetznerProvider, type HetznerProviderOptions } from '../../../src/providers/hetzner/hetzner-provider.js';
import { systemClock } from '../../../src/util/clock.js';
import type { MachineSpec } from '../../../src/providers/provider.js';
import { silentLogger, specFor } from '../digitalocean/do-test-kit.js';

export const HZ_PROVIDER_TOKEN = 'hz-provider-test-token-secret-0123456789';
export const HZ_LABEL = 'gs-test';
/** The emulator's game snapshot (src/emulator/hetzner/catalogue.ts). */
export const HZ_SNAPSHOT = '310000001';

/** A Hetzner provider on `apiUrl` with test-speed timings; `over` replaces any option. */
export function makeHzProvider(apiUrl: string, over: Partial<HetznerProviderOptions> = {}): HetznerProvider {
  return new HetznerProvider({
    token: HZ_PROVIDER_TOKEN,
    apiUrl,
    labelKey: HZ_LABEL,
    location: 'fsn1',
    serverType: 'cpx22',
    image: HZ_SNAPSHOT,
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

/** A spec in fsn1 (a Hetzner location; DigitalOcean's test spec names nyc3). */
export function hzSpecFor(serverId?: string): MachineSpec {
  return { ...specFor(serverId), region: 'fsn1' };
}
