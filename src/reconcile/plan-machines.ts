import { compareText } from './compare-text.js';
import { EXTERNAL_ORIGIN, isCreateAbandoned, ServerState, type Server } from '../domain/server.js';
import { makesOrigin, type Machine, type OriginJudge } from '../providers/provider.js';
import type { PlanWorld } from './plan-world.js';
import { ROWS_PER_STEP, runToEnd, type Steps } from './steps.js';
import type { AdoptAction, LookupAction, LostAction, ReconcileSettings } from './types.js';

/** Which listed machine belongs to which row, and which belong to none. */
export interface MachineMatch {
  /** Row id → its machine. */
  byServer: Map<string, Machine>;
  /** Machines no live row owns (ours by tag): deleted after the grace. */
  unowned: Machine[];
}

/**
 * Whether the running provider made this row, so its listing is the truth about the row's
 * machine. External rows have no machine; a row another provider made (an import of the
 * original's droplets while the local provider runs, or a switch of PROVIDER) is left alone.
 */
export function isJudgedBy(s: Server, provider: OriginJudge): boolean {
  return makesOrigin(provider, s.origin);
}

/**
 * Matches machines to rows: by provider id first (across the whole list, so a name match
 * never takes a row whose own machine is listed), then by the server id in the machine's
 * name, only for a row that does not know its machine yet. A second machine carrying the
 * id of a row that already has one is a duplicate and stays unowned. Only rows the running
 * provider made own machines (see isJudgedBy).
 */
export function matchMachines(
  machines: readonly Machine[],
  servers: readonly Server[],
  provider: OriginJudge,
): MachineMatch {
  return runToEnd(matchMachineSteps(machines, servers, provider));
}

/** matchMachines, yielding every ROWS_PER_STEP rows or machines. */
export function* matchMachineSteps(
  machines: readonly Machine[],
  servers: readonly Server[],
  provider: OriginJudge,
): Steps<MachineMatch> {
  const byProviderId = new Map<string, Server>();
  const byId = new Map<string, Server>();
  let n = 0;
  for (const s of servers) {
    if (isJudgedBy(s, provider) && s.state !== ServerState.Deleted) {
      if (s.providerId) byProviderId.set(s.providerId, s);
      byId.set(s.id, s);
    }
    if (++n % ROWS_PER_STEP === 0) yield;
  }
  const byServer = new Map<string, Machine>();
  const rest: Machine[] = [];
  for (const m of machines) {
    const row = byProviderId.get(m.providerId);
    if (row && !byServer.has(row.id)) byServer.set(row.id, m);
    else rest.push(m);
    if (++n % ROWS_PER_STEP === 0) yield;
  }
  const unowned: Machine[] = [];
  // Oldest first, so of two machines made for one row the first made is kept.
  for (const m of [...rest].sort(byMachineAge)) {
    const row = m.serverId ? byId.get(m.serverId) : undefined;
    if (row && row.providerId === null && !byServer.has(row.id)) byServer.set(row.id, m);
    else unowned.push(m);
  }
  return { byServer, unowned };
}

/** How long a just-made machine may be missing from listings (they lag) before its absence counts. */
export const LIST_LAG_GRACE_MS = 10_000;

/**
 * A creating row's machine may not be listed yet (lists lag): it is lost only after the
 * grace, or sooner when its creator died before recording an answer (the lease ran out)
 * and the row is older than a listing's lag: the machine was never made, or it would be
 * listed under the row's id by now. (Until then an abandoned row does not count as a
 * server on its way: see countOnTheWay.)
 */
export function isLostWithoutMachine(s: Server, nowMs: number, orphanGraceS: number): boolean {
  if (s.origin === EXTERNAL_ORIGIN) return false;
  if (s.state !== ServerState.Creating) return true;
  const age = nowMs - s.createdAtMs;
  if (isCreateAbandoned(s, nowMs) && age > Math.min(LIST_LAG_GRACE_MS, orphanGraceS * 1000)) return true;
  return age > orphanGraceS * 1000;
}

/** Past the grace since the provider made it. */
export function isOrphanDue(m: Machine, nowMs: number, orphanGraceS: number): boolean {
  return nowMs - m.createdAtMs > orphanGraceS * 1000;
}

/** What the machine steps plan. */
export interface MachineSteps {
  adopt: AdoptAction[];
  markLost: LostAction[];
  lookup: LookupAction[];
}

/**
 * Adopt and lost steps over the world: rows learn their machine (creating → starting when it
 * has an address, → ready at once with readiness by address), rows whose machine is gone are
 * deleted and their sessions ended; a row that knows its machine id is looked up instead.
 */
export function planMachineSteps(
  world: PlanWorld,
  match: MachineMatch,
  nowMs: number,
  settings: Pick<ReconcileSettings, 'orphanGraceS' | 'readiness'>,
  provider: OriginJudge,
): MachineSteps {
  return runToEnd(machineSteps(world, match, nowMs, settings, provider));
}

/** planMachineSteps, yielding every ROWS_PER_STEP rows. */
export function* machineSteps(
  world: PlanWorld,
  match: MachineMatch,
  nowMs: number,
  settings: Pick<ReconcileSettings, 'orphanGraceS' | 'readiness'>,
  provider: OriginJudge,
): Steps<MachineSteps> {
  const adopt: AdoptAction[] = [];
  const markLost: LostAction[] = [];
  const lookup: LookupAction[] = [];
  let n = 0;
  for (const s of world.allServers()) {
    if (++n % ROWS_PER_STEP === 0) yield;
    if (!isJudgedBy(s, provider)) continue;
    const m = match.byServer.get(s.id);
    if (!m) {
      if (!isLostWithoutMachine(s, nowMs, settings.orphanGraceS)) continue;
      // A known machine id is asked about, never forgotten on the listing's word (see isLookedUp).
      if (s.providerId) {
        if (!isLookedUp(s)) continue;
        lookup.push({ serverId: s.id, providerId: s.providerId, from: s.state });
        world.hold(s.id);
        continue;
      }
      const interrupted = isCreateAbandoned(s, nowMs) && nowMs - s.createdAtMs <= settings.orphanGraceS * 1000;
      markLost.push({
        serverId: s.id,
        from: s.state,
        ...(interrupted ? { reason: 'create interrupted; no machine was made' } : {}),
      });
      const session = world.liveSessionOn(s.id);
      if (session) world.endSession(session.id, 'server_lost');
      world.setServer(s.id, ServerState.Deleted);
      continue;
    }
    if (adoptStep(world, s, m, nowMs, settings.readiness)) adopt.push({ serverId: s.id, machine: m });
  }
  return { adopt, markLost, lookup };
}

/**
 * A live row whose machine id the listing lacks is looked up by id (GET) before it is
 * forgotten: the listing only shows machines under our tag, and a droplet the original
 * service made (tag `femquest-server`) or one whose tag was removed runs on, billed, when
 * its row is simply marked deleted. A row already on its way out (unhealthy, error,
 * shutdown) needs no lookup: its teardown deletes by id and a 404 confirms it gone.
 */
export function isLookedUp(s: Server): boolean {
  return LOOKED_UP_STATES.has(s.state);
}
const LOOKED_UP_STATES: ReadonlySet<string> = new Set([
  ServerState.Creating,
  ServerState.Starting,
  ServerState.Ready,
  ServerState.Allocated,
]);

/** Writes what ops.recordMachine will do; false when there is nothing to record. */
function adoptStep(
  world: PlanWorld,
  s: Server,
  m: Machine,
  nowMs: number,
  readiness: 'heartbeat' | 'address',
): boolean {
  if (s.state === ServerState.Creating) {
    if (m.ip) {
      const patch = { providerId: m.providerId, ip: m.ip, port: m.port };
      if (readiness === 'address')
        world.setServer(s.id, ServerState.Ready, { ...patch, readyAtMs: nowMs, lastHeartbeatAtMs: nowMs });
      else world.setServer(s.id, ServerState.Starting, patch);
      return true;
    }
    if (s.providerId === m.providerId) return false;
    world.setServer(s.id, s.state, { providerId: m.providerId });
    return true;
  }
  const knowsNothing = s.providerId === null;
  const fillable =
    s.state === ServerState.Starting || s.state === ServerState.Ready || s.state === ServerState.Allocated;
  if (!knowsNothing || !fillable) return false;
  world.setServer(s.id, s.state, { providerId: m.providerId });
  return true;
}

function byMachineAge(a: Machine, b: Machine): number {
  return a.createdAtMs - b.createdAtMs || compareText(a.providerId, b.providerId);
}
