import type { Clock } from '../../util/clock.js';
import type { Machine, Provider } from '../provider.js';
import { ProviderError } from '../provider.js';

/** A droplet is up when DigitalOcean says `active` and it has a public IPv4 (both, see §5.7). */
export function isMachineUp(m: Machine | null): m is Machine & { ip: string } {
  return m !== null && m.status === 'active' && m.ip !== null;
}

export interface WaitForUpOptions {
  clock: Clock;
  /** Give up after this long; DigitalOcean publishes no boot SLA, minutes are normal. */
  timeoutMs: number;
  /** Time between GETs; 3–5 s against the real API (terraform and godo use that). */
  pollMs: number;
}

/**
 * Polls get() until the machine is up. A 404 right after create is tolerated (the API is
 * eventually consistent) until the deadline. Throws ProviderError on timeout.
 */
export async function waitForMachineUp(
  provider: Pick<Provider, 'get'>,
  providerId: string,
  opts: WaitForUpOptions,
): Promise<Machine & { ip: string }> {
  const deadline = opts.clock.now() + opts.timeoutMs;
  for (;;) {
    const m = await provider.get(providerId);
    if (isMachineUp(m)) return m;
    if (opts.clock.now() >= deadline) {
      throw new ProviderError(
        `machine ${providerId} not up after ${opts.timeoutMs} ms (status ${m?.status ?? 'absent'})`,
        {
          retryable: true,
        },
      );
    }
    await opts.clock.sleep(Math.min(opts.pollMs, Math.max(0, deadline - opts.clock.now())));
  }
}
