import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Clock } from '../util/clock.js';
import { DigitalOceanProvider } from './digitalocean/digitalocean-provider.js';
import { LocalProvider } from './local/local-provider.js';
import type { Provider } from './provider.js';

/** What a provider factory gets: the whole (validated) configuration and the shared services. */
export interface ProviderContext {
  config: Readonly<Config>;
  clock: Clock;
  logger: Logger;
  /** Call when a machine changed on its own (a process exited): the reconciler looks at once. */
  onChange: () => void;
  /** The account's capacity: a create refused for the account's limit, a machine gone. */
  capacity?: { onLimitRefused: (message: string) => void; onDropletGone: () => void };
}

export type ProviderFactory = (ctx: ProviderContext) => Provider;

/**
 * Every provider, by the name PROVIDER selects and rows carry as their origin. A new cloud is
 * one folder under providers/ and one line here (its settings go in config.ts, the only
 * reader of the environment).
 */
export const PROVIDERS = {
  local: ({ config, clock, logger, onChange }) =>
    new LocalProvider({
      command: config.local.command,
      gamePort: config.local.gamePort,
      stopGraceMs: config.local.stopGraceMs,
      env: {
        HEARTBEAT_INTERVAL_MS: String(config.local.heartbeatIntervalMs),
        EMPTY_SHUTDOWN_MS: String(config.local.emptyShutdownMs),
      },
      parentEnv: config.local.parentEnv,
      logger: logger.child({ component: 'local-provider' }),
      // A game server that exits on its own: look at once rather than at the next interval.
      onExit: () => onChange(),
      clock,
    }),
  digitalocean: ({ config, clock, logger, capacity }) =>
    new DigitalOceanProvider({
      token: config.digitalocean.token ?? '',
      apiUrl: config.digitalocean.apiUrl,
      tag: config.digitalocean.tag,
      region: config.digitalocean.region,
      size: config.digitalocean.size,
      image: config.digitalocean.image ?? '',
      namePrefix: 'gs',
      requestTimeoutMs: config.digitalocean.requestTimeoutMs,
      maxRetries: config.digitalocean.maxRetries,
      retryBaseMs: config.digitalocean.retryBaseMs,
      retryMaxMs: config.digitalocean.retryMaxMs,
      createSettleMs: config.digitalocean.createSettleMs,
      maxRateWaitMs: config.digitalocean.maxRateWaitMs,
      ...capacity,
      priceCacheMs: config.digitalocean.priceCacheS * 1000,
      clock,
      logger: logger.child({ component: 'digitalocean' }),
    }),
} satisfies Record<string, ProviderFactory>;

export type ProviderName = keyof typeof PROVIDERS;
export const PROVIDER_NAMES = Object.keys(PROVIDERS) as ProviderName[];

export function createProvider(ctx: ProviderContext): Provider {
  return PROVIDERS[ctx.config.provider](ctx);
}
