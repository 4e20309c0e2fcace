/**
 * Regions: where servers run. Names are the provider's (DigitalOcean slugs such as `nyc3`, a
 * local region's name such as `local-a`); the fleet uses the ones configured in REGIONS.
 */

/** The fleet's regions, as configured (REGIONS, REGION_MAX_SERVERS, REGION_PING_TARGETS). */
export interface RegionSettings {
  /** Every region the fleet may use, in the order configured (the default among them). */
  names: readonly string[];
  /** The default region (DROPLET_REGION on DigitalOcean): the original routes start there. */
  defaultRegion: string;
  /** REGION_MAX_SERVERS: machines a region may hold at once, under MAX_SERVERS; a region not named has only MAX_SERVERS. */
  maxServers: Readonly<Record<string, number>>;
  /** Per region: the URL a client times to estimate its latency there (configured or the provider's). */
  pingTargets: Readonly<Record<string, string>>;
  /** Placement of /v1 starts (src/sessions/placement-offers.ts); absent: its defaults. */
  placement?: PlacementSettings;
  /**
   * REGION_PROVIDERS: the regions on another provider than PROVIDER, each with that provider's
   * name (a fleet across clouds, providers/fleet-provider.ts). Absent or empty: every region is PROVIDER's.
   */
  providers?: Readonly<Record<string, string>>;
  /**
   * REGION_POOL_MIN_READY / REGION_POOL_BUFFER: the warm pool of a region other than the default
   * one (whose pool is POOL_MIN_READY / POOL_BUFFER). A region not named holds none of its own:
   * a region with sparse demand costs no standing idle server unless its settings ask for one.
   */
  poolMinReady: Readonly<Record<string, number>>;
  poolBuffer: Readonly<Record<string, number>>;
  /**
   * REGION_POOL_POLICY: the pool policy of a region other than the default one (whose policy is
   * POOL_POLICY); a region not named follows POOL_POLICY. Absent: every region follows it.
   */
  poolPolicy?: Readonly<Record<string, PoolPolicyName>>;
}

/** How a region's warm pool is sized: `fixed` (its min/buffer) or `forecast` (its own demand). */
export type PoolPolicyName = 'fixed' | 'forecast';

/** A region's pool policy: the default region's is POOL_POLICY (`global`), another's its REGION_POOL_POLICY or POOL_POLICY. */
export function regionPoolPolicy(
  settings: Pick<RegionSettings, 'defaultRegion' | 'poolPolicy'>,
  region: string,
  global: PoolPolicyName,
): PoolPolicyName {
  return region === settings.defaultRegion ? global : (settings.poolPolicy?.[region] ?? global);
}

/**
 * The default region when the caller names none (tests, tools): the local provider's one
 * region. The service always names its configured default (DROPLET_REGION on DigitalOcean).
 */
export const FALLBACK_DEFAULT_REGION = 'local';

/** A region name: what a provider may call a region and a URL path or a metric label may carry. */
export const REGION_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** The cap on machines in `region`: its own (REGION_MAX_SERVERS) under the global one. */
export function regionCap(settings: Pick<RegionSettings, 'maxServers'>, region: string, globalMax: number): number {
  const own = settings.maxServers[region];
  return own === undefined ? globalMax : Math.min(own, globalMax);
}

/** The one-region settings of a fleet that never configured regions (tests, the embedded default). */
export function singleRegion(name: string, pingTarget = ''): RegionSettings {
  return {
    names: [name],
    defaultRegion: name,
    maxServers: {},
    pingTargets: { [name]: pingTarget },
    poolMinReady: {},
    poolBuffer: {},
  };
}

/** A region's warm-pool settings as configured: the default region's are the global POOL_* ones. */
export function configuredRegionPool(
  settings: Pick<RegionSettings, 'defaultRegion' | 'poolMinReady' | 'poolBuffer'>,
  region: string,
  defaults: { poolMinReady: number; poolBuffer: number },
): { poolMinReady: number; poolBuffer: number } {
  if (region === settings.defaultRegion) return defaults;
  return { poolMinReady: settings.poolMinReady[region] ?? 0, poolBuffer: settings.poolBuffer[region] ?? 0 };
}

/** Placement of /v1 starts (issue 23). */
export interface PlacementSettings {
  /** PLACEMENT_MS_PER_WAIT_S: ms of extra latency a ready server in a slower region is worth per second of boot wait saved. */
  msPerWaitS: number;
  /** REGION_REFUSAL_COOLDOWN_S: how long a region whose provider refused a create is skipped. */
  refusalCooldownS: number;
}

/** Whether any region's pool forecasts (POOL_POLICY or a REGION_POOL_POLICY): freed servers then come back to the pool. */
export function forecastsAnywhere(settings: Pick<RegionSettings, 'poolPolicy'>, global: PoolPolicyName): boolean {
  return global === 'forecast' || Object.values(settings.poolPolicy ?? {}).includes('forecast');
}
