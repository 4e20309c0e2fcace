import { OrchestratorError } from '../domain/errors.js';
import {
  FALLBACK_DEFAULT_REGION,
  regionCap,
  regionPoolPolicy,
  singleRegion,
  type PoolPolicyName,
  type RegionSettings,
} from '../domain/region.js';
import {
  effectiveRegionPool,
  mergeRegionPool,
  parseRegionPool,
  regionPoolKey,
  type RegionPool,
  type RegionPoolChange,
  type RegionPoolTarget,
} from './region-pools.js';

/** The warm-pool settings an operator may change at run time. */
export interface PoolSettings {
  poolMinReady: number;
  poolBuffer: number;
  maxServers: number;
}

/** The meta key the run-time pool settings live under, so every replica reads the same ones. */
export const POOL_SETTINGS_KEY = 'pool_settings';

interface MetaReader {
  getMeta(key: string): Promise<string | null>;
}

/**
 * The configured settings overlaid with what an operator set at run time. MAX_SERVERS from
 * the environment stays the hard cost cap: a run-time max_servers can only lower it. A stored
 * value that no longer parses is ignored (the configured settings win), never fatal.
 */
export async function effectivePoolSettings(store: MetaReader, configured: PoolSettings): Promise<PoolSettings> {
  const raw = await store.getMeta(POOL_SETTINGS_KEY);
  if (!raw) return configured;
  let stored: Partial<PoolSettings>;
  try {
    stored = JSON.parse(raw) as Partial<PoolSettings>;
  } catch {
    return configured;
  }
  const pick = (v: unknown, dflt: number) => (Number.isInteger(v) && (v as number) >= 0 ? (v as number) : dflt);
  const maxServers = Math.min(configured.maxServers, pick(stored.maxServers, configured.maxServers));
  return {
    poolMinReady: Math.min(maxServers, pick(stored.poolMinReady, configured.poolMinReady)),
    poolBuffer: pick(stored.poolBuffer, configured.poolBuffer),
    maxServers,
  };
}

/** Checks a change against the hard cap; returns the settings to store. */
export function mergePoolSettings(current: PoolSettings, change: Partial<PoolSettings>, hardCap: number): PoolSettings {
  const next = { ...current, ...Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)) };
  if (next.maxServers > hardCap) {
    throw new OrchestratorError(
      'invalid_input',
      `max_servers may not exceed MAX_SERVERS (${hardCap}), the configured cost cap`,
    );
  }
  if (next.poolMinReady > next.maxServers) {
    throw new OrchestratorError(
      'invalid_input',
      `min_ready (${next.poolMinReady}) may not exceed max_servers (${next.maxServers})`,
    );
  }
  return next;
}

/**
 * Idle-or-coming servers the pool wants: its idle wish (the forecast's target, at least
 * POOL_MIN_READY, under POOL_POLICY=forecast; else max(POOL_MIN_READY, POOL_BUFFER)) plus the
 * pending starts. The one formula: the reconciler's plan and every view use it.
 */
export function wantedIdle(s: Pick<PoolSettings, 'poolMinReady' | 'poolBuffer'>, forecastTarget?: number | null) {
  return forecastTarget === null || forecastTarget === undefined
    ? Math.max(s.poolMinReady, s.poolBuffer)
    : Math.max(s.poolMinReady, forecastTarget);
}
export function poolTarget(
  s: Pick<PoolSettings, 'poolMinReady' | 'poolBuffer'>,
  pending: number,
  forecastTarget?: number | null,
): number {
  return wantedIdle(s, forecastTarget) + pending;
}

/** The pool's target with the settings in force, as the reconciler plans with it. */
export interface PoolTargetNow extends PoolSettings {
  /** Idle-or-coming servers wanted: poolTarget() of the settings, the pending starts and the forecast. */
  target: number;
  /** Pending starts counted in. */
  pending: number;
  /** The forecasting pool's idle target of the reconciler's last pass (null: the fixed policy). */
  forecastTarget: number | null;
}

export interface PoolInForceDeps {
  store: MetaReader & {
    setMeta(key: string, value: string): Promise<void>;
    countSessions(states: 'pending'[]): Promise<number>;
    listSessions(states: 'pending'[]): Promise<readonly { region: string }[]>;
  };
  /** The fleet's regions (absent: one region, FALLBACK_DEFAULT_REGION). */
  regions?: RegionSettings;
  /** The configured settings now: MAX_SERVERS as clamped by the account's limit and a refusal hold. */
  configured: () => PoolSettings;
  /** The forecasting pool's idle target of `region` the reconciler last planned with (null: fixed policy, or no pass yet). */
  forecastTarget: (region: string) => number | null;
  /** POOL_POLICY (absent: fixed): each region's policy is its REGION_POOL_POLICY or this. */
  policy?: PoolPolicyName;
  log: { info(o: object, msg: string): void };
}

/**
 * Pool settings and the pool target in force for every reader: /v1/pool, the reconciler (its
 * settings each pass), GET /v1/status, the dashboard and /metrics. Nothing reads them from the
 * configuration directly, so run-time changes, the forecast and the capacity clamp show everywhere.
 */
export class PoolInForce {
  /** The fleet's regions, each with a pool of its own. */
  readonly regions: RegionSettings;

  constructor(private readonly d: PoolInForceDeps) {
    this.regions = d.regions ?? singleRegion(FALLBACK_DEFAULT_REGION);
  }

  /** MAX_SERVERS now (clamped by the account's limit, 0 while a refusal holds): the hard cap. */
  configuredMaxServers(): number {
    return this.d.configured().maxServers;
  }

  /** The configured settings overlaid with run-time changes. */
  settings(): Promise<PoolSettings> {
    return effectivePoolSettings(this.d.store, this.d.configured());
  }

  /**
   * The target now: the settings in force, the pending starts (counted unless given, e.g. from
   * a snapshot already read) and the forecast of the last pass, through poolTarget() as the plan does.
   */
  async target(pending?: number): Promise<PoolTargetNow> {
    const settings = await this.settings();
    const waiting = pending ?? (await this.d.store.countSessions(['pending']));
    const forecastTarget = this.d.forecastTarget(this.regions.defaultRegion);
    return { ...settings, pending: waiting, forecastTarget, target: poolTarget(settings, waiting, forecastTarget) };
  }

  /** Every configured region's pool in force (the reconciler reads them each pass). */
  async regionPools(): Promise<RegionPool[]> {
    const global = await this.settings();
    const out: RegionPool[] = [];
    for (const region of this.regions.names)
      out.push({
        ...effectiveRegionPool(
          this.regions,
          region,
          global,
          parseRegionPool(await this.d.store.getMeta(regionPoolKey(region))),
        ),
        policy: regionPoolPolicy(this.regions, region, this.d.policy ?? 'fixed'),
      });
    return out;
  }

  /** One region's pool in force; an unknown region is invalid input naming the configured ones. */
  async regionPool(region: string = this.regions.defaultRegion): Promise<RegionPool> {
    this.known(region);
    const global = await this.settings();
    return effectiveRegionPool(
      this.regions,
      region,
      global,
      parseRegionPool(await this.d.store.getMeta(regionPoolKey(region))),
    );
  }

  /** Each region's target now: its pool, its pending starts (counted unless given) and its last forecast. */
  async regionTargets(pendingByRegion?: Readonly<Record<string, number>>): Promise<RegionPoolTarget[]> {
    let pending = pendingByRegion;
    if (!pending) {
      const counts: Record<string, number> = {};
      for (const s of await this.d.store.listSessions(['pending'])) counts[s.region] = (counts[s.region] ?? 0) + 1;
      pending = counts;
    }
    return (await this.regionPools()).map((p) => {
      // A fixed region in a forecasting fleet has no forecast of its own (REGION_POOL_POLICY).
      const forecastTarget = p.policy === 'fixed' ? null : this.d.forecastTarget(p.region);
      const waiting = pending[p.region] ?? 0;
      return { ...p, pending: waiting, forecastTarget, target: poolTarget(p, waiting, forecastTarget) };
    });
  }

  /**
   * Changes one region's pool (absent: the default region's) at run time, stored so every
   * replica and the reconciler see it. `maxServers` is the global cap (MAX_SERVERS, lowered
   * only); `regionMaxServers` the region's (REGION_MAX_SERVERS, lowered only). The default
   * region's min/buffer are the global POOL_* settings, where callers without a region put them.
   */
  async changeRegion(
    change: Partial<PoolSettings> & { regionMaxServers?: number },
    region: string = this.regions.defaultRegion,
  ): Promise<RegionPool> {
    this.known(region);
    const isDefault = region === this.regions.defaultRegion;
    const { regionMaxServers, ...rest } = change;
    const globalChange = isDefault ? rest : { maxServers: rest.maxServers };
    if (Object.values(globalChange).some((v) => v !== undefined)) await this.change(globalChange);
    const current = await this.regionPool(region);
    const capNow = regionCap(this.regions, region, (await this.settings()).maxServers);
    const own: RegionPoolChange = isDefault
      ? { maxServers: regionMaxServers }
      : { poolMinReady: rest.poolMinReady, poolBuffer: rest.poolBuffer, maxServers: regionMaxServers };
    mergeRegionPool(current, own, capNow);
    // Only what was ever set is stored: a cap in force now (a refusal hold's 0) is never frozen in.
    const given = Object.fromEntries(Object.entries(own).filter(([, v]) => v !== undefined));
    if (Object.keys(given).length > 0) {
      const stored = { ...parseRegionPool(await this.d.store.getMeta(regionPoolKey(region))), ...given };
      await this.d.store.setMeta(regionPoolKey(region), JSON.stringify(stored));
      this.d.log.info({ region, ...stored }, 'region pool settings changed by an operator');
    }
    return this.regionPool(region);
  }

  private known(region: string): void {
    if (!this.regions.names.includes(region))
      throw new OrchestratorError(
        'invalid_input',
        `region ${region} is not one of the fleet's regions (REGIONS: ${this.regions.names.join(', ')})`,
      );
  }

  /** Changes pool settings at run time; stored, so every replica and the reconciler see them. */
  async change(change: Partial<PoolSettings>): Promise<PoolSettings> {
    const next = mergePoolSettings(await this.settings(), change, this.d.configured().maxServers);
    await this.d.store.setMeta(POOL_SETTINGS_KEY, JSON.stringify(next));
    this.d.log.info({ ...next }, 'pool settings changed by an operator');
    return next;
  }
}
