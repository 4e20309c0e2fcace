/**
 * Placement (issue 23 item 3): which region a /v1 start lands in, as a pure rule over what each
 * region offers now. The start use case gathers the views in its transaction and acts on the answer.
 *
 * The rule, in order:
 * 1. `region` given: that region and no other (a warm server there, else a cold start there).
 * 2. `latencies` given (one map region → ms, or one per player of a party: a region's latency is
 *    the worst player's, and a region some player did not measure is no candidate): the
 *    candidates are the fleet's regions within `maxLatencyMs` (all, without a cap). None: refused
 *    `no_region_within_latency` (409), never a silent far server.
 * 3. Among the candidates, the lowest latency with a ready server (R) and the lowest latency whose
 *    provider takes creates (C: not refusing them, not at its cap). R is C or faster: take R. Else
 *    take R only when its extra latency is worth the wait it saves: R.latency − C.latency ≤
 *    msPerWaitS × C's expected boot wait (s); otherwise a cold start in C.
 * 4. Neither a ready server nor a region that takes creates: refused `regions_unavailable` (503).
 */

/** What one region offers now. */
export interface RegionOffer {
  name: string;
  /** Ready servers a start could claim now. */
  readyServers: number;
  /** False when its provider refuses creates there (unavailable, sold out) or it is at its cap. */
  acceptsCreates: boolean;
  /** Expected wait for a new server there, in seconds (the measured boot time, else the estimate). */
  bootWaitS: number;
}

/** What a start asks for; neither `region` nor `latencies`: the default region. */
export interface PlacementRequest {
  region?: string;
  /** One map per player (a single player: one map); ms. */
  latencies?: readonly Readonly<Record<string, number>>[];
  maxLatencyMs?: number;
}

/** Why a session is where it is (sessions.placement; /v1 answers and `session.started`). */
export type PlacementReason =
  | 'default_region'
  | 'requested_region'
  | 'nearest_ready'
  | 'nearest_cold_start'
  | 'ready_in_slower_region'
  | 'cold_start_in_slower_region';

export type PlacementRefusal = 'unknown_region' | 'no_region_within_latency' | 'regions_unavailable';

export type Placement =
  | { ok: true; region: string; warm: boolean; reason: PlacementReason; latencyMs: number | null }
  | { ok: false; refusal: PlacementRefusal; message: string };

/**
 * Where a start goes. `offers`: every region of the fleet, in configured order (ties in latency
 * go to the earlier); `msPerWaitS`: the ms of extra latency worth one second less waiting.
 */
export function place(
  req: PlacementRequest,
  offers: readonly RegionOffer[],
  defaultRegion: string,
  msPerWaitS: number,
): Placement {
  if (req.latencies === undefined) {
    const name = req.region ?? defaultRegion;
    const offer = offers.find((o) => o.name === name);
    if (!offer) return refuse('unknown_region', `Unknown region ${name}`);
    const reason = req.region === undefined ? 'default_region' : 'requested_region';
    if (offer.readyServers > 0) return { ok: true, region: name, warm: true, reason, latencyMs: null };
    if (offer.acceptsCreates) return { ok: true, region: name, warm: false, reason, latencyMs: null };
    return refuse('regions_unavailable', `Region ${name} takes no new servers now (refusing creates or at its cap)`);
  }
  const ranked = rankRegions(
    req,
    offers.map((o) => o.name),
  );
  if (!ranked.ok) return ranked;
  const candidates = ranked.regions.map((r) => ({ o: offers[r.index]!, ms: r.latencyMs ?? 0 }));
  const best = candidates[0]!;
  const ready = candidates.find((c) => c.o.readyServers > 0);
  const cold = candidates.find((c) => c.o.acceptsCreates);
  const warmAt = (c: typeof best, reason: PlacementReason): Placement => ({
    ok: true,
    region: c.o.name,
    warm: reason === 'nearest_ready' || reason === 'ready_in_slower_region',
    reason,
    latencyMs: c.ms,
  });
  if (ready && (!cold || ready.ms <= cold.ms || ready.ms - cold.ms <= msPerWaitS * cold.o.bootWaitS))
    return warmAt(ready, ready === best ? 'nearest_ready' : 'ready_in_slower_region');
  if (cold) return warmAt(cold, cold === best ? 'nearest_cold_start' : 'cold_start_in_slower_region');
  return refuse('regions_unavailable', 'Every region within reach is refusing new servers or at its cap');
}

/** A region a request may use, with the worst player's latency there (null: no latencies given). */
export interface RankedRegion {
  name: string;
  /** Its place in the fleet's configured order. */
  index: number;
  latencyMs: number | null;
}

/**
 * The regions a request may use, best first: `region` → that one (unknown: refused);
 * `latencies` → the regions every player measured within `maxLatencyMs`, lowest worst-player
 * latency first, ties in configured order (none: refused `no_region_within_latency`);
 * neither → every region in configured order. place() picks among these; a lobby listing and
 * quick join (issue 24) list and fill sessions in this order.
 */
export function rankRegions(
  req: PlacementRequest,
  names: readonly string[],
): { ok: true; regions: RankedRegion[] } | Extract<Placement, { ok: false }> {
  if (req.latencies === undefined) {
    if (req.region === undefined)
      return { ok: true, regions: names.map((name, index) => ({ name, index, latencyMs: null })) };
    const index = names.indexOf(req.region);
    if (index < 0) return refuse('unknown_region', `Unknown region ${req.region}`);
    return { ok: true, regions: [{ name: req.region, index, latencyMs: null }] };
  }
  const worst = worstLatencies(req.latencies);
  const cap = req.maxLatencyMs ?? Infinity;
  const regions = names
    .map((name, index) => ({ name, index, latencyMs: worst.get(name) }))
    .filter((r): r is RankedRegion & { latencyMs: number } => r.latencyMs !== undefined && r.latencyMs <= cap)
    .sort((a, b) => a.latencyMs - b.latencyMs || a.index - b.index);
  if (regions.length === 0)
    return refuse(
      'no_region_within_latency',
      req.maxLatencyMs === undefined
        ? 'No region of this fleet was measured by every player'
        : `No region within ${req.maxLatencyMs} ms for every player`,
    );
  return { ok: true, regions };
}

/** Region → the worst (highest) latency over the players; only regions every player measured. */
export function worstLatencies(maps: readonly Readonly<Record<string, number>>[]): Map<string, number> {
  const out = new Map<string, number>();
  if (maps.length === 0) return out;
  for (const [region, ms] of Object.entries(maps[0]!)) {
    let worst = ms;
    let everyone = Number.isFinite(ms);
    for (const m of maps.slice(1)) {
      const other = Object.hasOwn(m, region) ? m[region] : undefined;
      if (other === undefined || !Number.isFinite(other)) everyone = false;
      else worst = Math.max(worst, other);
    }
    if (everyone) out.set(region, worst);
  }
  return out;
}

function refuse(refusal: PlacementRefusal, message: string): Extract<Placement, { ok: false }> {
  return { ok: false, refusal, message };
}
