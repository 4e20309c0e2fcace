import { Refusal } from '../domain/errors.js';
import {
  place,
  rankRegions,
  type Placement,
  type PlacementRequest,
  type RankedRegion,
  type RegionOffer,
} from '../domain/placement.js';
import { regionCap, type RegionSettings } from '../domain/region.js';
import type { StoreVerbs } from '../store/store.js';
import type { RegionRefusals } from './region-refusals.js';

/** A region's state for `GET /v1/regions`: whether a start could get a server made there now. */
export type RegionState = 'usable' | 'refusing_creates' | 'at_cap';

/** A start's placement that succeeded. */
export type Placed = Extract<Placement, { ok: true }>;

/** What a region offers now, with why it takes no creates when it does not. */
export interface RegionStatus extends RegionOffer {
  state: RegionState;
  /** Machines there now (what its cap counts). */
  machines: number;
  /** While refusing creates: until when (epoch ms). */
  refusingUntilMs: number | null;
}

export interface PlacementOptions {
  regions: RegionSettings;
  /** MAX_SERVERS in force now (the account's limit and a refusal hold lower it). */
  maxServers: () => number;
  /** PLACEMENT_MS_PER_WAIT_S: the ms of extra latency worth one second less waiting (domain/placement.ts). */
  msPerWaitS: number;
  /** The expected boot wait in a region, in seconds (measured, else the estimate). */
  bootWaitS: (region: string) => number;
  refusals: RegionRefusals;
  /** A ready server not heard from within this long is not counted (it would not be claimed). */
  claimHeardWithinMs?: number;
}

/**
 * Gathers what every region offers (one meta read and countByRegion's two aggregate reads) and
 * places a start with the pure rule of domain/placement.ts. One reusable step: the /v1 start,
 * quick join and `GET /v1/regions` read the same offers.
 */
export class RegionPlacement {
  constructor(private readonly o: PlacementOptions) {}

  get regions(): RegionSettings {
    return this.o.regions;
  }

  /** Every configured region's offer and state, in configured order. */
  async offers(verbs: StoreVerbs, nowMs: number): Promise<RegionStatus[]> {
    const { regions, claimHeardWithinMs } = this.o;
    const heardSince = claimHeardWithinMs === undefined ? undefined : nowMs - claimHeardWithinMs;
    // One after the other: inside a transaction both go over its one connection.
    const counts = await verbs.countByRegion(nowMs, heardSince);
    const refusing = await this.o.refusals.refusing(verbs, nowMs);
    const globalMax = this.o.maxServers();
    let total = 0;
    for (const c of counts.values()) total += c.machines;
    return regions.names.map((name) => {
      const c = counts.get(name);
      const machines = c?.machines ?? 0;
      const until = refusing.get(name) ?? null;
      const atCap = total >= globalMax || machines >= regionCap(regions, name, globalMax);
      const state: RegionState = until !== null ? 'refusing_creates' : atCap ? 'at_cap' : 'usable';
      return {
        name,
        readyServers: c?.ready ?? 0,
        acceptsCreates: state === 'usable',
        bootWaitS: this.o.bootWaitS(name),
        state,
        machines,
        refusingUntilMs: until,
      };
    });
  }

  /**
   * Where a start goes (see domain/placement.ts), from the offers read now; a refusal is thrown
   * as the /v1 error it is (400 unknown_region, 409 no_region_within_latency, 503
   * regions_unavailable with Retry-After: the soonest end of a refusal cooldown, else the
   * expected boot wait of the default region).
   */
  async place(verbs: StoreVerbs, req: PlacementRequest, nowMs: number): Promise<Placed> {
    const offers = await this.offers(verbs, nowMs);
    const p = place(req, offers, this.o.regions.defaultRegion, this.o.msPerWaitS);
    if (p.ok) return p;
    if (p.refusal !== 'regions_unavailable') throw refusalOf(p);
    const ends = offers.flatMap((o) => (o.refusingUntilMs === null ? [] : [o.refusingUntilMs - nowMs]));
    const retryS = ends.length > 0 ? Math.min(...ends) / 1000 : this.o.bootWaitS(this.o.regions.defaultRegion);
    throw new Refusal('unavailable', p.refusal, p.message, Math.max(1, Math.ceil(retryS)));
  }

  /**
   * The regions a request may use, best first (domain/placement.ts rankRegions): what a lobby
   * listing and quick join fill sessions in. Refused as place() refuses: 400 unknown_region,
   * 409 no_region_within_latency.
   */
  rank(req: PlacementRequest): RankedRegion[] {
    const r = rankRegions(req, this.o.regions.names);
    if (!r.ok) throw refusalOf(r);
    return r.regions;
  }
}

/** A refusal that no region's state changes: 400 unknown_region, 409 no_region_within_latency. */
function refusalOf(p: Extract<Placement, { ok: false }>): Refusal {
  if (p.refusal === 'unknown_region') return new Refusal('invalid_input', p.refusal, p.message);
  return new Refusal('conflict', p.refusal, p.message);
}
