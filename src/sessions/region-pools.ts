import { OrchestratorError } from '../domain/errors.js';
import { configuredRegionPool, regionCap, type PoolPolicyName, type RegionSettings } from '../domain/region.js';

/**
 * One region's warm pool in force: its own min/buffer and its cap (REGION_MAX_SERVERS, or
 * MAX_SERVERS; lowered at run time by an operator), all under the global MAX_SERVERS.
 */
export interface RegionPool {
  region: string;
  poolMinReady: number;
  poolBuffer: number;
  /** Machines this region may hold at once: its cap in force, never above the global one. */
  maxServers: number;
  /** Its pool policy (REGION_POOL_POLICY, else POOL_POLICY); absent: the reconciler's POOL_POLICY. */
  policy?: PoolPolicyName;
}

/** One region's pool target now, as the reconciler plans it (views show it per region). */
export interface RegionPoolTarget extends RegionPool {
  /** Idle-or-coming servers wanted in the region: poolTarget() of its settings, pending starts and forecast. */
  target: number;
  /** Pending starts of the region counted in. */
  pending: number;
  /** The region's forecast idle target of the last pass (null: the fixed policy, or no pass yet). */
  forecastTarget: number | null;
}

/** What an operator may change per region (absent fields are kept). */
export interface RegionPoolChange {
  poolMinReady?: number;
  poolBuffer?: number;
  maxServers?: number;
}

/**
 * The meta key a region's run-time pool lives under. The default region's min/buffer stay in
 * POOL_SETTINGS_KEY with the global cap (what callers without a region always changed); its
 * own key holds only its region cap.
 */
export const regionPoolKey = (region: string): string => `pool_settings:${region}`;

/** A stored change, or {} when absent or no longer parsing (the configured settings win, never fatal). */
export function parseRegionPool(raw: string | null): RegionPoolChange {
  if (!raw) return {};
  try {
    const v = JSON.parse(raw) as Record<string, unknown>;
    const out: RegionPoolChange = {};
    for (const k of ['poolMinReady', 'poolBuffer', 'maxServers'] as const) {
      const n = v[k];
      if (Number.isInteger(n) && (n as number) >= 0) out[k] = n as number;
    }
    return out;
  } catch {
    return {};
  }
}

/**
 * A region's pool in force: configured (the default region's from `global`, the POOL_* settings
 * with run-time changes; another's from REGION_POOL_*), overlaid with its stored change. The
 * cap only lowers the configured one (REGION_MAX_SERVERS under the global cap in force).
 */
export function effectiveRegionPool(
  regions: Pick<RegionSettings, 'defaultRegion' | 'poolMinReady' | 'poolBuffer' | 'maxServers'>,
  region: string,
  global: { poolMinReady: number; poolBuffer: number; maxServers: number },
  stored: RegionPoolChange,
): RegionPool {
  const configured = configuredRegionPool(regions, region, global);
  const capNow = regionCap(regions, region, global.maxServers);
  const maxServers = Math.min(capNow, stored.maxServers ?? capNow);
  const own = region === regions.defaultRegion ? {} : stored;
  return {
    region,
    poolMinReady: Math.min(maxServers, own.poolMinReady ?? configured.poolMinReady),
    poolBuffer: own.poolBuffer ?? configured.poolBuffer,
    maxServers,
  };
}

/** Checks a region's change against its cap in force; returns what to store for it. */
export function mergeRegionPool(
  current: RegionPool,
  change: RegionPoolChange,
  capNow: number,
): Required<RegionPoolChange> {
  const next = {
    poolMinReady: change.poolMinReady ?? current.poolMinReady,
    poolBuffer: change.poolBuffer ?? current.poolBuffer,
    maxServers: change.maxServers ?? current.maxServers,
  };
  if (next.maxServers > capNow)
    throw new OrchestratorError(
      'invalid_input',
      `region_max_servers may not exceed ${capNow}, the region's configured cap (REGION_MAX_SERVERS under MAX_SERVERS)`,
    );
  if (next.poolMinReady > next.maxServers)
    throw new OrchestratorError(
      'invalid_input',
      `min_ready (${next.poolMinReady}) may not exceed the region's cap (${next.maxServers})`,
    );
  return next;
}
