import { isCreateAbandoned, ServerState, type Server } from '../domain/server.js';
import { SessionState } from '../domain/session.js';
import type { Machine } from '../providers/provider.js';
import { isHeardRecently, isSilent, wasSilentAtStart } from './health.js';
import { isJudgedBy, isOrphanDue, machineSteps, matchMachineSteps, type MachineMatch } from './plan-machines.js';
import { runToEnd, runYielding, type Steps } from './steps.js';
import {
  idleReady,
  planBootTimeouts,
  planHeartbeatLoss,
  planOffers,
  planPromotions,
  planShutdowns,
} from './plan-servers.js';
import { planSessionEnds } from './plan-sessions.js';
import { PlanWorld } from './plan-world.js';
import type { Plan, PlanInput, ReconcileSettings, ServerStep } from './types.js';
import { TimeSlice } from '../util/time-slice.js';
import { forecastPool, type DemandForecast } from './demand-forecast.js';
import { planRegionPools, type RegionPoolPlan, type RegionPoolsInput } from './region-plan.js';
import { FALLBACK_DEFAULT_REGION, regionCap, singleRegion } from '../domain/region.js';
import { chooseIdleDeletes } from './billing-pool.js';

/**
 * The reconcile decision, as a pure function of one snapshot (Agones'
 * computeReconciliationAction): no I/O, no clock. Steps run in order over a scratch copy, each
 * seeing what the earlier ones leave, so one pass takes a row as far as it can go (silent →
 * unhealthy → shutdown → teardown) and applying the plan then planning again finds nothing.
 *
 * While the outage guard holds (too many servers silent at once), nothing is concluded from
 * silence: no heartbeat reaping, no idle ends on silent servers, no deleting them as extra.
 *
 * Without a listing (`machines: null`, list() failed) nothing that depends on it is planned:
 * no adopt, lost or orphan actions, and no creates (a provider that cannot list will not
 * create either; the rows would only pile up in error). Sessions still end and teardowns of
 * rows whose machine id is known still run.
 */
export function computePlan(input: PlanInput): Plan {
  return runToEnd(planPhases(input));
}

/**
 * computePlan for the reconcile loop: the same phases, with the event loop let through
 * (setImmediate) between phases once a slice of work has used its time, so a pass over 10,000 rows
 * never holds up the requests that arrive meanwhile. The input must not change while it runs.
 */
export function computePlanYielding(input: PlanInput, slice = new TimeSlice()): Promise<Plan> {
  return runYielding(planPhases(input), slice);
}

/** The planning steps in order; each `yield` is a point where the caller may let the event loop run. */
function* planPhases(input: PlanInput): Steps<Plan> {
  const { nowMs, settings } = input;
  const world = new PlanWorld();
  yield* world.fill(input);
  yield;
  const match = input.machines ? yield* matchMachineSteps(input.machines, input.servers, input.provider) : null;
  yield;
  const {
    adopt,
    markLost,
    lookup: lookups,
  } = match
    ? yield* machineSteps(world, match, nowMs, settings, input.provider)
    : { adopt: [], markLost: [], lookup: [] };
  yield;
  const promote = planPromotions(world, nowMs, settings.readiness);
  yield;
  const bootTimeout = planBootTimeouts(world, nowMs, settings.bootTimeoutS);
  yield;
  const { heartbeatLost, outage } = planHeartbeatLoss(world, nowMs, settings);
  yield;
  const endSession = planSessionEnds(world, nowMs, settings, outage !== null);
  yield;
  const shutdown = planShutdowns(world);
  yield;
  const offer = planOffers(world, nowMs, settings);
  yield;
  // A server silent since before our start and not heard since is no warm capacity (never handed out).
  const idle = idleReady(world).filter((s) => !wasSilentAtStart(s, settings) || isHeardRecently(s, nowMs, settings));
  yield;
  const coming = world
    .serversIn(ServerState.Creating, ServerState.Starting)
    .filter((s) => s.origin !== 'external' && !isCreateAbandoned(s, nowMs));
  const pendingRegions = world
    .liveSessions()
    .filter((s) => s.state === SessionState.Pending)
    .map((s) => s.region);
  yield;
  const made = world.allServers().filter((s) => s.origin !== 'external');
  const regions = input.regions ?? configuredRegions(settings);
  const forecasts = input.demand ? planForecasts(world, input, regions) : null;
  const pools = planRegionPools(
    regions,
    { idleReady: idle, coming, made, pendingRegions },
    settings,
    (region) => forecasts?.[region] ?? null,
    input.demand?.apiCreates ?? null,
  );
  const pool = {
    target: sum(pools.map((p) => p.target)),
    atMaxServers: pools.some((p) => p.atMaxServers),
    deleteIdle: pools.flatMap((p) => p.deleteIdle),
  };
  const wantedCreates = match ? sum(pools.map((p) => p.wanted)) : 0;
  const createIn = match ? Object.fromEntries(pools.filter((p) => p.create > 0).map((p) => [p.region, p.create])) : {};
  const create = sum(Object.values(createIn));
  // Which extra idle servers go now: those the pool chose, or under an hourly bill the ones about to start a new hour.
  const chosen = chooseIdleDeletes({
    byPool: pool.deleteIdle,
    deletable: idle.filter((s) => s.origin !== 'external' && s.players === 0),
    nowMs,
    billing: input.billing,
  });
  // In an outage a silent idle server may be fine; shrinking on stale data would only hurt.
  const idleExtra = outage ? chosen.filter((s) => !isSilent(s, nowMs, settings)) : chosen;
  yield;
  const deletes = planDeletes(
    world,
    match,
    idleExtra.filter((s) => isJudgedBy(s, input.provider)),
    nowMs,
    settings,
    input.provider,
    input.unconfirmedTeardowns,
    input.self,
  );
  // Provider calls, like deletes: at most maxDeletesPerPass a pass, the rest in the next.
  const lookup = lookups.slice(0, settings.maxDeletesPerPass);
  return {
    adopt,
    promote,
    markLost,
    lookup,
    bootTimeout,
    heartbeatLost,
    endSession,
    shutdown,
    deleteIdle: deletes.deleteIdle,
    offer,
    create,
    createIn,
    teardown: deletes.teardown,
    deleteOrphan: deletes.deleteOrphan,
    partial: create < wantedCreates || deletes.capped || lookup.length < lookups.length,
    outage,
    ...(match ? { pool: { target: pool.target, atMaxServers: pool.atMaxServers, regions: regionTargets(pools) } } : {}),
    forecast: forecasts?.[regions.defaultRegion] ?? null,
    forecasts,
  };
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/**
 * Without region pools given (tests, tools): the configured regions (or the one fallback
 * region), the default one with the settings' pool, every other with a pool of 0 (servers
 * only for its pending starts) under its configured cap.
 */
function configuredRegions(settings: PlanInput['settings']): RegionPoolsInput {
  const r = settings.regions ?? singleRegion(FALLBACK_DEFAULT_REGION);
  const { poolMinReady, poolBuffer, maxServers } = settings;
  return {
    defaultRegion: r.defaultRegion,
    pools: r.names.map((region) =>
      region === r.defaultRegion
        ? { region, poolMinReady, poolBuffer, maxServers: regionCap(r, region, maxServers) }
        : { region, poolMinReady: 0, poolBuffer: 0, maxServers: regionCap(r, region, maxServers) },
    ),
  };
}

function regionTargets(pools: readonly RegionPoolPlan[]): Record<string, { target: number; atMaxServers: boolean }> {
  return Object.fromEntries(pools.map((p) => [p.region, { target: p.target, atMaxServers: p.atMaxServers }]));
}

/**
 * Each region's forecast from its own demand (its starts, boots and session lengths; the
 * demand as a whole when not split by region) and its sessions live after this pass's ends.
 */
function planForecasts(world: PlanWorld, input: PlanInput, regions: RegionPoolsInput): Record<string, DemandForecast> {
  const d = input.demand!;
  const out: Record<string, DemandForecast> = {};
  for (const { region, poolMinReady, policy } of regions.pools) {
    // A region of the fixed policy (REGION_POOL_POLICY, or POOL_POLICY beside a forecasting region) keeps its min/buffer.
    if (policy === 'fixed') continue;
    const own = d.byRegion ? (d.byRegion[region] ?? NO_DEMAND) : d;
    const activeAgesS = world
      .liveSessions()
      .filter((s) => s.state === SessionState.Active && (!d.byRegion || s.region === region))
      .map((s) => Math.max(0, (input.nowMs - (s.activatedAtMs ?? s.createdAtMs)) / 1000));
    out[region] = forecastPool({
      nowMs: input.nowMs,
      startsAtMs: own.startsAtMs,
      bootsS: own.bootsS,
      endedLengthsS: own.endedLengthsS,
      activeAgesS,
      recycling: input.settings.recycleServers,
      settings: { ...d.settings, poolMinReady },
    });
  }
  return out;
}

const NO_DEMAND = { startsAtMs: [], bootsS: [], endedLengthsS: [] } as const;

interface DeletePlan {
  teardown: Server[];
  deleteOrphan: Machine[];
  deleteIdle: ServerStep[];
  capped: boolean;
}

/**
 * A row that was in shutdown before this pass, entered it less than handoffS ago, and whose
 * teardown this process has not already tried (a request's teardown here that came back
 * unconfirmed is retried at once; one in flight here is joined, not repeated: ServerOps);
 * or one whose teardown lease another process holds (its delete is in flight there).
 */
function isHandedOff(
  world: PlanWorld,
  s: Server,
  nowMs: number,
  handoffS: number,
  triedHere: ReadonlySet<string> | undefined,
  self: string | undefined,
): boolean {
  if (world.movedInPlan(s.id) || triedHere?.has(s.id)) return false;
  if (self !== undefined && s.owner && s.owner !== self && (s.leaseUntilMs ?? 0) > nowMs) return true;
  return nowMs - s.stateChangedAtMs < handoffS * 1000;
}

/**
 * Provider deletes share one budget (maxDeletesPerPass), spent in order of waste: rows
 * already shut down, then orphans, then idle servers beyond the pool. External rows are
 * "torn down" without the provider and cost nothing from the budget.
 */
function planDeletes(
  world: PlanWorld,
  match: MachineMatch | null,
  idleExtra: readonly Server[],
  nowMs: number,
  settings: Pick<ReconcileSettings, 'maxDeletesPerPass' | 'orphanGraceS' | 'teardownHandoffS'>,
  provider: PlanInput['provider'],
  triedHere?: ReadonlySet<string>,
  self?: string,
): DeletePlan {
  let budget = settings.maxDeletesPerPass;
  let capped = false;
  const machineIdOf = (s: Server) => s.providerId ?? match?.byServer.get(s.id)?.providerId ?? null;
  const teardown: Server[] = [];
  for (const s of world.serversIn(ServerState.Shutdown)) {
    if (s.origin === 'external') {
      teardown.push(s);
      continue;
    }
    // Another provider's machine: this one cannot delete it; the row stays for that provider.
    if (!isJudgedBy(s, provider)) continue;
    const providerId = machineIdOf(s);
    // No machine id and none listed: the lost step deletes the row (or the listing failed).
    if (!providerId) continue;
    // Just shut down by a request, which is deleting it itself (on this replica or another):
    // asking the provider again now would only spend a request; after the handoff, it is ours.
    if (isHandedOff(world, s, nowMs, settings.teardownHandoffS, triedHere, self)) continue;
    if (budget === 0) capped = true;
    else {
      budget--;
      teardown.push({ ...s, providerId });
    }
  }
  const dueOrphans = match ? match.unowned.filter((m) => isOrphanDue(m, nowMs, settings.orphanGraceS)) : [];
  const deleteOrphan = dueOrphans.slice(0, budget);
  budget -= deleteOrphan.length;
  capped ||= deleteOrphan.length < dueOrphans.length;
  const idle = idleExtra.filter((s) => machineIdOf(s) !== null);
  const deleteIdle: ServerStep[] = [];
  for (const s of idle.slice(0, budget)) {
    const reason = 'idle beyond the warm pool';
    deleteIdle.push({ serverId: s.id, from: s.state, reason });
    world.setServer(s.id, ServerState.Shutdown, { reason });
    teardown.push({ ...s, state: ServerState.Shutdown, reason, providerId: machineIdOf(s) });
  }
  capped ||= deleteIdle.length < idle.length;
  return { teardown, deleteOrphan, deleteIdle, capped };
}
