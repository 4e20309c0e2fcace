import type { PoolPolicySettings } from './pool-policy-config.js';
import type { Server } from '../domain/server.js';
import { SessionState } from '../domain/session.js';
import type { Provider } from '../providers/provider.js';
import type { Store } from '../store/store.js';
import type { TimeSlice } from '../util/time-slice.js';
import type { BootTimes } from './boot-times.js';
import { runYielding } from './steps.js';
import type { PoolDemand, ReconcileSettings, RegionDemand } from './types.js';
import type { RegionPoolsInput } from './region-plan.js';

export interface DemandSources {
  store: Store;
  provider: Provider;
  /** Boots this replica has watched. */
  bootTimes: BootTimes;
  /** The warm-pool policy (absent: fixed). */
  pool?: Readonly<PoolPolicySettings>;
}

/**
 * What the forecasting pool reads: starts and session lengths from the store (any replica
 * sees the same), boots from the rows this replica has watched, the API budget left. Boots are
 * observed under every policy; null unless POOL_POLICY=forecast or a region's REGION_POOL_POLICY is. `settings` are the ones in
 * force this pass (run-time pool changes included).
 */
export async function loadDemand(
  d: DemandSources,
  settings: Pick<ReconcileSettings, 'reconcileIntervalS' | 'poolMinReady'>,
  servers: readonly Server[],
  now: number,
  slice: TimeSlice,
  regions?: RegionPoolsInput,
): Promise<PoolDemand | null> {
  const { pool, store, provider, bootTimes } = d;
  await runYielding(bootTimes.observeSteps(servers, now), slice);
  // POOL_POLICY=forecast, or a region forecasting on its own (REGION_POOL_POLICY).
  if (!pool || (pool.policy !== 'forecast' && !regions?.pools.some((p) => p.policy === 'forecast'))) return null;
  const recent = await store.listSessionsStartedSince(now - pool.windowS * 1000);
  const endedLengthsS: number[] = [];
  for (const s of recent) {
    if (s.state === SessionState.Ended && s.activatedAtMs !== null && s.endedAtMs !== null)
      endedLengthsS.push((s.endedAtMs - s.activatedAtMs) / 1000);
  }
  const left = provider.apiBudgetLeft?.();
  // Each region learns from its own starts, lengths and boots (a region no longer configured
  // makes nothing: its sessions teach no pool).
  let byRegion: Record<string, RegionDemand> | undefined;
  if (regions) {
    const names = new Set(regions.pools.map((p) => p.region));
    const own = new Map<string, { startsAtMs: number[]; bootsS: number[]; endedLengthsS: number[] }>();
    for (const name of names)
      own.set(name, { startsAtMs: [], bootsS: bootTimes.recent(now, pool.bootWindowS, name), endedLengthsS: [] });
    for (const s of recent) {
      const d = own.get(s.region);
      if (!d) continue;
      d.startsAtMs.push(s.createdAtMs);
      if (s.state === SessionState.Ended && s.activatedAtMs !== null && s.endedAtMs !== null)
        d.endedLengthsS.push((s.endedAtMs - s.activatedAtMs) / 1000);
    }
    byRegion = Object.fromEntries(own);
  }
  return {
    ...(byRegion ? { byRegion } : {}),
    startsAtMs: recent.map((s) => s.createdAtMs),
    bootsS: bootTimes.recent(now, pool.bootWindowS),
    endedLengthsS,
    settings: { ...pool, reconcileIntervalS: settings.reconcileIntervalS, poolMinReady: settings.poolMinReady },
    // The pool spends at most half of what is left per pass: waiting starts, deletes and listings keep the rest.
    apiCreates: left ? Math.floor(Math.min(left.minute, left.hour) / (2 * pool.apiCallsPerServer)) : null,
  };
}
