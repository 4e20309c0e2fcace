import type { Logger } from 'pino';
import type { Reader } from '../config-reader.js';
import type { BillingRule } from '../domain/billing-rule.js';
import type { Clock } from '../util/clock.js';
import type { Provider } from './provider.js';

/** The shared services a provider is built with (its own settings come separately). */
export interface ProviderContext {
  clock: Clock;
  logger: Logger;
  /** Call when a machine changed on its own (a process exited): the reconciler looks at once. */
  onChange: () => void;
  /** The account's capacity: a create refused for the account's limit, a machine gone. */
  capacity?: { onLimitRefused: (message: string) => void; onDropletGone: () => void };
  /** The API budget every replica on this database draws from (absent: this process's own only). */
  sharedBudget?: SharedBudget;
  /** The fleet's regions (REGIONS), in the order configured; absent: the provider's default one. */
  regions?: readonly string[];
}

/**
 * A cloud API's rate budget shared by every replica (kept in the database): a provider asks it
 * before each request, after its own in-process budget. Limits differ by cloud, so the
 * provider names them.
 */
export interface SharedBudget {
  /**
   * Takes one request from the shared budget when `limit` (less `reserve`, which a lower
   * priority leaves for a higher one) allows it now; otherwise takes nothing. Answers 0 when
   * taken, else how many ms until one fits.
   */
  take(window: { name: string; limit: number; windowMs: number; reserve: number }): Promise<number>;
}

/** Defaults of general settings that depend on the kind of machine. */
export interface ProviderDefaults {
  /** BOOT_TIMEOUT_S: how long a machine may take to come up. */
  bootTimeoutS: number;
  /** POOL_BOOT_ESTIMATE_S: boot time the forecast assumes until one is measured. */
  bootEstimateS: number;
}

/**
 * One cloud (or local processes): its name (PROVIDER's value, and the origin rows carry), its
 * settings read and validated from the environment by its own code, and a factory. A new cloud
 * is a folder exporting one of these, plus one line in registry.ts.
 */
export interface ProviderModule<Name extends string = string, Settings = unknown> {
  readonly name: Name;
  readonly defaults: ProviderDefaults;
  /** How the cloud bills a machine (unit, minimum, monthly cap): costs and the pool use it. */
  readonly billing: BillingRule;
  /**
   * Reads its settings (every provider's are read, so a bad value is reported whichever is
   * selected); `selected` says whether PROVIDER names it (what it requires only then).
   */
  readSettings(r: Reader, selected: boolean): Settings;
  create(settings: Settings, ctx: ProviderContext): Provider;
  /**
   * Optional: the default region (the original routes start there) from its own settings and
   * REGIONS as listed (empty when unset). DigitalOcean: DROPLET_REGION. Absent: REGIONS' first,
   * else `default`.
   */
  defaultRegion?(settings: Settings, listed: readonly string[]): string;
  /**
   * Optional: a URL a game client can time to estimate its latency to a region (DigitalOcean:
   * the region's speed-test host). Absent or null: the orchestrator's own /healthz.
   */
  pingTarget?(region: string): string | null;
}
