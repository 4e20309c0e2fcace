import { Gauge, type Registry } from 'prom-client';
import { LIVE_SERVER_STATES, SERVER_STATES, ServerState, type Server } from '../domain/server.js';
import type { RegionPoolTarget } from '../sessions/region-pools.js';
import type { Store } from '../store/store.js';

export interface FleetGaugeDeps {
  store: Pick<Store, 'listServers'>;
  /** Each region's pool target and cap in force (PoolInForce.regionTargets: the ones the reconciler plans with). */
  regionTargets: () => Promise<readonly Pick<RegionPoolTarget, 'region' | 'target' | 'maxServers'>[]>;
}

/**
 * The fleet by region, read at scrape time: orchestrator_servers{state, region} and the warm pool
 * per region, orchestrator_pool_servers{kind, region} (idle, coming, target, and max: the
 * region's cap in force). The series names are the ones before regions; `sum without (region)`
 * gives the old totals (but for `max`, whose sum is not MAX_SERVERS). One listing of the live
 * rows per gauge, no count per state and region.
 */
export function fleetGauges(r: Registry, d: FleetGaugeDeps, prefix: string): void {
  const { store, regionTargets } = d;
  new Gauge({
    name: `${prefix}servers`,
    help: 'Servers by state and region (deleted rows are history and not counted).',
    labelNames: ['state', 'region'],
    registers: [r],
    async collect() {
      this.reset();
      const regions = (await regionTargets()).map((p) => p.region);
      const live = await store.listServers(LIVE_SERVER_STATES);
      for (const region of new Set([...regions, ...live.map((s) => s.region)]))
        for (const state of SERVER_STATES)
          if (state !== ServerState.Deleted)
            this.set({ state, region }, live.filter((s) => s.state === state && s.region === region).length);
    },
  });
  new Gauge({
    name: `${prefix}pool_servers`,
    help: "The warm pool per region: idle ready servers and servers on the way, against the region's target and cap.",
    labelNames: ['kind', 'region'],
    registers: [r],
    async collect() {
      this.reset();
      const pools = await regionTargets();
      const rows = await store.listServers([ServerState.Ready, ServerState.Creating, ServerState.Starting]);
      const inRegion = (region: string, f: (s: Server) => boolean) =>
        rows.filter((s) => s.region === region && f(s)).length;
      for (const p of pools) {
        this.set(
          { kind: 'idle', region: p.region },
          inRegion(p.region, (s) => s.state === 'ready' && s.players === 0),
        );
        this.set(
          { kind: 'coming', region: p.region },
          inRegion(p.region, (s) => s.state !== 'ready'),
        );
        this.set({ kind: 'target', region: p.region }, p.target);
        this.set({ kind: 'max', region: p.region }, p.maxServers);
      }
    },
  });
}
