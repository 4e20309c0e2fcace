import type { Logger } from 'pino';
import type { Clock } from '../util/clock.js';

/**
 * Misbehaviour the emulator injects into `/v2` traffic. Rates are shares in [0, 1] drawn from
 * the seeded RNG, so a run with the same seed and the same requests misbehaves the same way.
 */
export interface Faults {
  /** Share of `/v2` responses replaced by a 500/502/503/504 (some with a Cloudflare-like HTML body). */
  errorRate: number;
  /** Share of `/v2` requests delayed by `slowMs` before they are handled. */
  slowRate: number;
  /** Delay for slow requests, in real milliseconds (latency, not world time). */
  slowMs: number;
  /** Share of `/v2` requests whose socket is destroyed without an answer. */
  dropRate: number;
  /** Share of `POST /v2/droplets` that create the droplets, then drop the connection or answer 5xx. */
  lostCreateRate: number;
  /** A new droplet stays out of `GET /v2/droplets` lists for this long (clock ms). */
  listLagMs: number;
  /** A deleted droplet stays listed and GET-able, unchanged, for this long (clock ms). */
  deleteLagMs: number;
  /**
   * A droplet DELETE takes effect (or is refused, 404) at once and is answered this many real
   * ms later: a caller that dies meanwhile never learns what its delete did.
   */
  deleteHoldMs: number;
  /** Share of creates whose `create` action turns `errored` at boot; the droplet vanishes. */
  createErrorRate: number;
  /** The next N `/v2` requests get 429 with `retry-after`; counts down to 0. */
  burst429: number;
  /** `retry-after` seconds sent with the injected 429s. */
  burst429RetryAfterS: number;
}

/**
 * What a test (or a rehearsal) changes about one region, over the catalogue's facts:
 * - `available: false`: the region takes no new droplets, shown as DigitalOcean shows a closed
 *   region (`available: false`, no sizes in `/v2/regions`) and refused as one is (422, "You
 *   specified an invalid region for Droplet creation.");
 * - `soldOut`: sizes the region has run out of: gone from its `sizes` and from the size's
 *   `regions`, and a create with one is the 422 "Size is not available in this region." —
 *   what the real API answers for a size a region does not offer (digitalocean-api.md §5.3);
 * - `faults`: faults for requests that concern the region (a create in it; a read or delete of
 *   a droplet in it), applied over the account-wide ones.
 */
export interface RegionControl {
  available: boolean;
  soldOut: string[];
  faults: Partial<Faults>;
}

/** A change to a region's control; each field replaces the one in force (faults merge key by key). */
export type RegionControlPatch = Partial<RegionControl>;

/** Options of `startEmulator` and `buildEmulatorApp`; every field is optional. */
export interface EmulatorOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Listen address; default '127.0.0.1'. */
  host?: string;
  /** When set, only this bearer token is accepted; otherwise any non-empty token is. */
  token?: string;
  /** Clock ms from create to `active` (the create action completing). Default 3000. */
  bootDelayMs?: number;
  /** Clock ms a droplet action (power_off, reboot...) stays in progress. Default: bootDelayMs. */
  actionDelayMs?: number;
  /** The account's droplet limit (`/v2/account` droplet_limit). Default 25. */
  dropletLimit?: number;
  /** Faults active from the start. */
  faults?: Partial<Faults>;
  /** RNG seed for faults and address order. Default: random. */
  seed?: number;
  /** Sliding-window limit per token per hour. Default 5000. */
  rateLimitPerHour?: number;
  /** Burst limit per token per minute. Default 250. */
  burstPerMinute?: number;
  /** Time for rate-limit windows, lags, boot and action delays, and timestamps. Default: system clock. */
  clock?: Clock;
  /** A pino logger, or false (default) for none. */
  logger?: Logger | false;
  /** Regions closed, sizes sold out in them, or faults of their own, from the start (region-controls.ts). */
  regions?: Record<string, RegionControlPatch>;
}

/** Options after defaults; frozen at construction. */
export interface ResolvedOptions {
  readonly token: string | null;
  readonly bootDelayMs: number;
  readonly actionDelayMs: number;
  readonly dropletLimit: number;
  readonly faults: Readonly<Faults>;
  readonly seed: number;
  readonly rateLimitPerHour: number;
  readonly burstPerMinute: number;
  readonly clock: Clock;
  readonly logger: Logger | false;
  readonly regions: Readonly<Record<string, RegionControlPatch>>;
}

export const NO_FAULTS: Readonly<Faults> = Object.freeze({
  errorRate: 0,
  slowRate: 0,
  slowMs: 0,
  dropRate: 0,
  lostCreateRate: 0,
  listLagMs: 0,
  deleteLagMs: 0,
  deleteHoldMs: 0,
  createErrorRate: 0,
  burst429: 0,
  burst429RetryAfterS: 1,
});

const RATE_KEYS = ['errorRate', 'slowRate', 'dropRate', 'lostCreateRate', 'createErrorRate'] as const;
const COUNT_KEYS = ['slowMs', 'listLagMs', 'deleteLagMs', 'deleteHoldMs', 'burst429', 'burst429RetryAfterS'] as const;

/**
 * Merges a partial fault setting over `base`, rejecting unknown keys and out-of-range values
 * (rates outside [0, 1], negative or non-integer counts) with an Error naming the key.
 */
export function mergeFaults(base: Readonly<Faults>, patch: Partial<Faults> | Record<string, unknown>): Faults {
  const out: Faults = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if ((RATE_KEYS as readonly string[]).includes(key)) {
      if (typeof value !== 'number' || !(value >= 0 && value <= 1))
        throw new Error(`fault ${key} must be a number in [0, 1]`);
    } else if ((COUNT_KEYS as readonly string[]).includes(key)) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
        throw new Error(`fault ${key} must be a non-negative integer`);
      }
    } else {
      throw new Error(`unknown fault ${key}`);
    }
    out[key as keyof Faults] = value;
  }
  return out;
}

/** Applies defaults and validates numbers; throws an Error naming the bad option. */
export function resolveOptions(opts: EmulatorOptions, defaultClock: Clock): ResolvedOptions {
  const bootDelayMs = nonNegative('bootDelayMs', opts.bootDelayMs ?? 3000);
  return Object.freeze({
    token: opts.token ?? null,
    bootDelayMs,
    actionDelayMs: nonNegative('actionDelayMs', opts.actionDelayMs ?? bootDelayMs),
    dropletLimit: nonNegative('dropletLimit', opts.dropletLimit ?? 25),
    faults: Object.freeze(mergeFaults(NO_FAULTS, opts.faults ?? {})),
    seed: opts.seed ?? Math.floor(Math.random() * 2 ** 32),
    rateLimitPerHour: positive('rateLimitPerHour', opts.rateLimitPerHour ?? 5000),
    burstPerMinute: positive('burstPerMinute', opts.burstPerMinute ?? 250),
    clock: opts.clock ?? defaultClock,
    logger: opts.logger ?? false,
    regions: { ...opts.regions },
  });
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new Error(`emulator option ${name} must be >= 0`);
  return value;
}

function positive(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`emulator option ${name} must be a positive integer`);
  return value;
}
