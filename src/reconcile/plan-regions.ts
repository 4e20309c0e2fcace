import { isCreateAbandoned, ServerState, type Server } from '../domain/server.js';
import { SessionState } from '../domain/session.js';
import { FALLBACK_DEFAULT_REGION, regionCap, singleRegion } from '../domain/region.js';
import type { PlanWorld } from './plan-world.js';
import type { ReconcileSettings } from './types.js';
import { computePool, type PoolDecision, type PoolInput } from './warm-pool.js';

/** The region settings the plan reads (absent: the one fallback region). */
export type PlanRegions = NonNullable<ReconcileSettings['regions']>;

/** One region's supply and demand after this pass's other steps (offers included). */
export interface RegionSupply {
  idleReady: Server[];
  coming: number;
  pending: number;
  liveMade: number;
}

/** The pools of every region this pass: creates per region, idle deletes, and the summed target. */
export interface RegionPools {
  /** Region → servers to make there (before the per-pass cap); only regions with creates. */
  createIn: Record<string, number>;
  /** Sum of createIn. */
  create: number;
  deleteIdle: Server[];
  target: number;
  atMaxServers: boolean;
}

/** Supply per region (rows of regions no longer configured too): `idle` is what starts can claim. */
export function regionSupply(world: PlanWorld, idle: readonly Server[], nowMs: number): Map<string, RegionSupply> {
  const out = new Map<string, RegionSupply>();
  const of = (region: string) => {
    let s = out.get(region);
    if (!s) out.set(region, (s = { idleReady: [], coming: 0, pending: 0, liveMade: 0 }));
    return s;
  };
  for (const s of idle) of(s.region).idleReady.push(s);
  for (const s of world.allServers()) {
    if (s.origin === 'external') continue;
    of(s.region).liveMade++;
    if ((s.state === ServerState.Creating || s.state === ServerState.Starting) && !isCreateAbandoned(s, nowMs))
      of(s.region).coming++;
  }
  for (const s of world.liveSessions()) if (s.state === SessionState.Pending) of(s.region).pending++;
  return out;
}

/**
 * The warm pool per region (issue 23). The default region's pool is the configured one (fixed or
 * forecast, within `apiCreates`); every other region has a pool of 0 for now: it makes servers
 * only for the sessions placed there and waiting, and its idle servers beyond that go. Each
 * region's creates stay under its cap (REGION_MAX_SERVERS) and all of them together under
 * MAX_SERVERS, regions taken in configured order (the default first). A region that is no
 * longer configured makes nothing; its idle servers go.
 */
export function computeRegionPools(
  supply: ReadonlyMap<string, RegionSupply>,
  regions: PlanRegions | undefined,
  base: Pick<PoolInput, 'settings' | 'forecast' | 'apiCreates'>,
): RegionPools {
  const r = regions ?? singleRegion(FALLBACK_DEFAULT_REGION);
  const names = [r.defaultRegion, ...r.names.filter((n) => n !== r.defaultRegion)];
  for (const name of supply.keys()) if (!names.includes(name)) names.push(name);
  const globalMax = base.settings.maxServers;
  let room = Math.max(0, globalMax - [...supply.values()].reduce((n, s) => n + s.liveMade, 0));
  const out: RegionPools = { createIn: {}, create: 0, deleteIdle: [], target: 0, atMaxServers: false };
  for (const name of names) {
    const s = supply.get(name) ?? { idleReady: [], coming: 0, pending: 0, liveMade: 0 };
    const configured = r.names.includes(name);
    const regionRoom = configured ? Math.min(room, Math.max(0, regionCap(r, name, globalMax) - s.liveMade)) : 0;
    const isDefault = name === r.defaultRegion;
    const pool: PoolDecision = computePool({
      ...s,
      settings: isDefault
        ? { ...base.settings, maxServers: s.liveMade + regionRoom }
        : { poolMinReady: 0, poolBuffer: 0, maxServers: s.liveMade + regionRoom },
      forecast: isDefault ? base.forecast : null,
      apiCreates: isDefault ? base.apiCreates : null,
    });
    if (pool.create > 0) out.createIn[name] = pool.create;
    out.create += pool.create;
    room -= pool.create;
    out.deleteIdle.push(...pool.deleteIdle);
    out.target += pool.target;
    out.atMaxServers ||= pool.atMaxServers;
  }
  return out;
}

/** The first `max` creates of `createIn`, in its order (the per-pass cap). */
export function capCreates(createIn: Readonly<Record<string, number>>, max: number): Record<string, number> {
  const out: Record<string, number> = {};
  let left = max;
  for (const [region, n] of Object.entries(createIn)) {
    const take = Math.min(n, left);
    if (take > 0) out[region] = take;
    left -= take;
  }
  return out;
}
