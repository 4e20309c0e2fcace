import { EXTERNAL_ORIGIN, LIVE_SERVER_STATES, ServerState, type Server } from '../domain/server.js';
import type { Machine } from '../providers/provider.js';
import { regionCap } from '../domain/region.js';
import { applyLookups } from './apply-lookups.js';
import { MAX_IN_FLIGHT, type ApplyDeps, type ApplyTally } from './apply-tally.js';
import { forEachSliced, TimeSlice } from '../util/time-slice.js';
import type { Plan } from './types.js';

/**
 * The steps that call the provider: creates (rows first, inside the capacity lock), then
 * deletes. Each delete checks ownership first: the row must still be in shutdown, and an
 * orphan must still have no live row claiming it.
 */
export async function applyProviderSteps(d: ApplyDeps, plan: Plan, t: ApplyTally): Promise<void> {
  await applyLookups(d, plan, t);
  // Region after region, each under its own cap and the global one (re-checked in the store).
  const creates = Object.entries(plan.createIn).filter(([, n]) => n > 0);
  const refusing = creates.length > 0 && d.refusingRegions ? await d.refusingRegions(d.clock.now()) : null;
  for (const [region, n] of creates) {
    // A region refusing creates is skipped until its cooldown ends (its waiting sessions were re-placed or ended).
    if (refusing?.has(region)) t.report.skipped += n;
    else await applyCreates(d, region, n, t);
  }
  await Promise.all([
    t.all(
      'teardown',
      plan.teardown,
      (s) => ({ serverId: s.id, providerId: s.providerId }),
      (s) => teardown(d, s),
    ),
    t.all(
      'deleteOrphan',
      plan.deleteOrphan,
      (m) => ({ providerId: m.providerId, serverId: m.serverId }),
      (m) => deleteOrphan(d, m),
    ),
  ]);
}

/**
 * Reserves rows in `region` under the capacity lock, re-checking the hard cap and the region's
 * cap against the store as it is now (a start may have reserved servers since the snapshot),
 * then launches each. Launch
 * records a refusal as `error` itself; an ambiguous outcome is adopted or cleaned up by a
 * later pass.
 */
async function applyCreates(d: ApplyDeps, region: string, planned: number, t: ApplyTally): Promise<void> {
  const rows: Server[] = [];
  const slice = new TimeSlice();
  // In transactions of at most RESERVE_CHUNK rows, each re-checking the cap: one transaction
  // inserting hundreds of rows would hold the connection (and the event loop) that long.
  while (rows.length < planned) {
    let chunk: Server[];
    try {
      chunk = await d.store.transaction(async (tx) => {
        await tx.lockCapacity();
        const live = await tx.countMadeServers(LIVE_SERVER_STATES);
        let n = Math.min(planned - rows.length, RESERVE_CHUNK, d.settings.maxServers - live);
        const cap = regionCapOf(d, region);
        if (n > 0 && cap !== null) {
          const there = (await tx.countByRegion(d.clock.now())).get(region)?.machines ?? 0;
          n = Math.min(n, cap - there);
        }
        return n > 0 ? d.ops.reserve(tx, n, region) : [];
      });
    } catch (err) {
      t.fail('create', { planned, region }, err);
      break;
    }
    rows.push(...chunk);
    if (chunk.length === 0) break;
    await slice.yieldIfDue();
  }
  if (rows.length > 0) d.log.info({ count: rows.length, planned, region }, 'creating servers');
  await forEachSliced(rows, MAX_IN_FLIGHT, (r) => d.ops.launch(r), slice);
  t.add('create', rows.length);
  t.report.skipped += planned - rows.length;
}

/**
 * The region's cap in force: the pass's (REGION_MAX_SERVERS lowered at run time), else the
 * configured one; null when only the global cap holds.
 */
function regionCapOf(d: ApplyDeps, region: string): number | null {
  if (d.regionCap) return d.regionCap(region);
  const regions = d.settings.regions;
  return regions?.maxServers[region] !== undefined ? regionCap(regions, region, d.settings.maxServers) : null;
}

/** Rows one reservation transaction inserts at most. */
const RESERVE_CHUNK = 25;

async function teardown(d: ApplyDeps, planned: Server): Promise<boolean> {
  const s = await d.store.getServer(planned.id);
  // Ownership: delete only what is still being shut down (a recycle or a race may have moved it).
  if (s?.state !== ServerState.Shutdown) return false;
  const providerId = s.providerId ?? planned.providerId;
  return d.ops.teardown({ ...s, providerId });
}

async function deleteOrphan(d: ApplyDeps, m: Machine): Promise<boolean> {
  if (m.serverId) {
    // A row made after the snapshot (its start raced this pass) owns it: adopt next pass instead.
    const row = await d.store.getServer(m.serverId);
    const owned =
      row &&
      row.state !== ServerState.Deleted &&
      row.origin !== EXTERNAL_ORIGIN &&
      (row.providerId === null || row.providerId === m.providerId);
    if (owned) return false;
  }
  d.log.warn({ providerId: m.providerId, serverId: m.serverId }, 'deleting an orphan machine');
  const res = await d.provider.delete(m.providerId);
  if (res !== 'gone') return false;
  await d.ops.recordOrphanDeleted(m);
  return true;
}
