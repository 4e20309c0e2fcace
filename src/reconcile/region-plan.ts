import type { Server } from '../domain/server.js';
import type { DemandForecast } from './demand-forecast.js';

export type { RegionPoolsInput } from './types.js';
import type { RegionPool } from '../sessions/region-pools.js';
import type { ReconcileSettings, RegionPoolsInput } from './types.js';
import { computePool } from './warm-pool.js';

/** What the pool policy sees of one region after this pass's other steps. */
export interface RegionPoolRows {
  /** Ready servers with 0 players no pending session is taking this pass. */
  idleReady: readonly Server[];
  /** Servers of ours on their way (creating, starting). */
  coming: readonly Server[];
  /** Live rows we made (the caps count them). */
  made: readonly Server[];
  /** Regions of the pending sessions left waiting after this pass's offers. */
  pendingRegions: readonly string[];
}

/** One region's share of the pass. */
export interface RegionPoolPlan {
  region: string;
  /** Idle-or-coming servers wanted in the region (its pool plus its pending starts). */
  target: number;
  /** Servers to make in the region this pass (after the global cap, the per-pass cap and the API budget). */
  create: number;
  /** Creates wanted without the per-pass cap (more than `create`: the pass is partial). */
  wanted: number;
  /** Idle servers beyond the region's pool (before the delete budget). */
  deleteIdle: Server[];
  /** Its own cap or the global one held creates back. */
  atMaxServers: boolean;
}

/**
 * A warm pool per region (issue 23): each region's target from its own settings, pending
 * starts and forecast (warm-pool.ts's computePool, unchanged), its creates under its own cap
 * (REGION_MAX_SERVERS); then the global cap (MAX_SERVERS), the per-pass cap and the one API
 * budget shared out across regions: creates for pending starts first (a player waits on
 * each), then pool creates one at a time round the regions, so a busy region cannot take
 * every create while another's pool is empty. Which idle server goes when a region has too
 * many stays computePool's choice.
 */
export function planRegionPools(
  regions: RegionPoolsInput,
  rows: RegionPoolRows,
  settings: Pick<ReconcileSettings, 'maxServers' | 'maxCreatesPerPass'>,
  forecastFor: (region: string) => Pick<DemandForecast, 'target' | 'keep'> | null,
  apiCreates: number | null,
): RegionPoolPlan[] {
  const of = <T>(xs: readonly T[], region: string, get: (x: T) => string) => xs.filter((x) => get(x) === region);
  // A region no longer configured makes nothing (its room is 0); its idle servers go.
  const names = new Set(regions.pools.map((p) => p.region));
  const gone = new Set(
    [...rows.made.map((s) => s.region), ...rows.idleReady.map((s) => s.region), ...rows.pendingRegions].filter(
      (r) => !names.has(r),
    ),
  );
  const pools: RegionPool[] = [
    ...regions.pools,
    ...[...gone].map((region) => ({
      region,
      poolMinReady: 0,
      poolBuffer: 0,
      maxServers: of(rows.made, region, (s) => s.region).length,
    })),
  ];
  const decisions = pools.map((pool) => {
    const pending = of(rows.pendingRegions, pool.region, (r) => r).length;
    const idle = of(rows.idleReady, pool.region, (s) => s.region);
    const coming = of(rows.coming, pool.region, (s) => s.region).length;
    const d = computePool({
      idleReady: idle,
      coming,
      pending,
      liveMade: of(rows.made, pool.region, (s) => s.region).length,
      settings: pool,
      forecast: forecastFor(pool.region),
    });
    return { pool, d, forPending: Math.min(d.create, Math.max(0, pending - idle.length - coming)) };
  });
  const globalRoom = Math.max(0, settings.maxServers - rows.made.length);
  const share = (cap: number) =>
    shareCreates(
      decisions.map((x) => ({ forPending: x.forPending, pool: x.d.create - x.forPending })),
      cap,
      apiCreates,
    );
  const wanted = share(globalRoom);
  const made = share(Math.min(globalRoom, settings.maxCreatesPerPass));
  return decisions.map(({ pool, d }, i) => ({
    region: pool.region,
    target: d.target,
    create: made[i]!,
    wanted: wanted[i]!,
    deleteIdle: d.deleteIdle,
    atMaxServers: d.atMaxServers || wanted[i]! < d.create,
  }));
}

/**
 * Shares `room` creates out: pending starts' first (in region order), then pool creates one
 * at a time round the regions, those within `apiCreates` (null: no limit known).
 */
export function shareCreates(
  wants: readonly { forPending: number; pool: number }[],
  room: number,
  apiCreates: number | null,
): number[] {
  const out = wants.map(() => 0);
  let left = room;
  wants.forEach((w, i) => {
    const n = Math.min(w.forPending, left);
    out[i] = n;
    left -= n;
  });
  let budget = Math.min(left, apiCreates === null ? Infinity : Math.max(0, apiCreates));
  const poolLeft = wants.map((w) => w.pool);
  while (budget > 0 && poolLeft.some((n) => n > 0)) {
    for (let i = 0; i < poolLeft.length && budget > 0; i++) {
      if (poolLeft[i]! <= 0) continue;
      poolLeft[i]!--;
      out[i]!++;
      budget--;
    }
  }
  return out;
}
