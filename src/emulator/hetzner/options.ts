import type { Logger } from 'pino';
import type { Clock } from '../../util/clock.js';
import { mergeFaults, NO_FAULTS, type Faults } from '../options.js';

/**
 * Options of the Hetzner Cloud emulator; every field is optional. Faults are the DigitalOcean
 * emulator's (the same keys mean the same misbehaviour, with `/v1` for `/v2`).
 */
export interface HetznerEmulatorOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  host?: string;
  /** When set, only this bearer token is accepted; otherwise any non-empty token is. */
  token?: string;
  /** Clock ms from create (`initializing`) to `running`. Default 3000. */
  bootDelayMs?: number;
  /** Servers the project may hold (a create past it: 403 resource_limit_exceeded). Default 25. */
  serverLimit?: number;
  faults?: Partial<Faults>;
  seed?: number;
  /** The project's budget, refilled one request a second. Default 3600 (Hetzner's default). */
  rateLimitPerHour?: number;
  clock?: Clock;
  logger?: Logger | false;
}

export interface ResolvedHetznerOptions {
  readonly token: string | null;
  readonly bootDelayMs: number;
  readonly serverLimit: number;
  readonly faults: Readonly<Faults>;
  readonly seed: number;
  readonly rateLimitPerHour: number;
  readonly clock: Clock;
  readonly logger: Logger | false;
}

export function resolveHetznerOptions(opts: HetznerEmulatorOptions, defaultClock: Clock): ResolvedHetznerOptions {
  const count = (name: string, v: number, min: number): number => {
    if (!Number.isInteger(v) || v < min) throw new Error(`emulator option ${name} must be an integer >= ${min}`);
    return v;
  };
  const bootDelayMs = opts.bootDelayMs ?? 3000;
  if (!Number.isFinite(bootDelayMs) || bootDelayMs < 0) throw new Error('emulator option bootDelayMs must be >= 0');
  return Object.freeze({
    token: opts.token ?? null,
    bootDelayMs,
    serverLimit: count('serverLimit', opts.serverLimit ?? 25, 0),
    faults: Object.freeze(mergeFaults(NO_FAULTS, opts.faults ?? {})),
    seed: opts.seed ?? Math.floor(Math.random() * 2 ** 32),
    rateLimitPerHour: count('rateLimitPerHour', opts.rateLimitPerHour ?? 3600, 1),
    clock: opts.clock ?? defaultClock,
    logger: opts.logger ?? false,
  });
}
