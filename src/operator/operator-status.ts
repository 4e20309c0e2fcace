import { SERVER_STATES } from '../domain/server.js';
import type { ReconcilerStatus } from '../reconcile/types.js';
import type { RegionPoolTarget } from '../sessions/region-pools.js';
import type { PoolTargetNow } from '../sessions/pool-settings.js';
import type { Leadership } from '../store/leadership.js';
import type { Store } from '../store/store.js';
import { VERSION } from '../version.js';

/** GET /v1/status → pool: the target the reconciler plans with and the settings in force. */
export function poolStatus(p: PoolTargetNow, regions: readonly RegionPoolTarget[] = []) {
  return {
    target: p.target,
    minReady: p.poolMinReady,
    buffer: p.poolBuffer,
    maxServers: p.maxServers,
    pending: p.pending,
    forecastTarget: p.forecastTarget,
    // The pool of each region (the fields above are the default region's with the global cap).
    regions: regions.map((r) => ({
      region: r.region,
      target: r.target,
      minReady: r.poolMinReady,
      buffer: r.poolBuffer,
      maxServers: r.maxServers,
      pending: r.pending,
      forecastTarget: r.forecastTarget,
    })),
  };
}

/** The version, counts by state (count queries, no rows loaded) and the loop's health, for operators. */
export async function operatorStatus(
  store: Store,
  reconciler: { status(): ReconcilerStatus },
  provider: string,
  leadership: Leadership,
): Promise<Record<string, unknown>> {
  const servers: Record<string, number> = {};
  for (const state of SERVER_STATES) {
    const n = await store.countServers([state]);
    if (n > 0) servers[state] = n;
  }
  const sessions: Record<string, number> = {};
  for (const state of ['pending', 'active'] as const) sessions[state] = await store.countSessions([state]);
  return {
    version: VERSION,
    provider,
    servers,
    sessions,
    reconciler: { ...reconciler.status(), leadership: await leadership.status() },
  };
}
