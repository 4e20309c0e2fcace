import { ServerState } from '../domain/server.js';
import { adoptWithinDeadline, timeOutBoot } from './adopt-deadline.js';
import type { ApplyDeps, ApplyTally } from './apply-tally.js';
import { isSilent } from './health.js';
import { isLostWithoutMachine } from './plan-machines.js';
import { sessionEndReason } from './plan-sessions.js';
import type { HeartbeatLostAction, LostAction, Plan, ServerStep } from './types.js';
import { EndReason } from '../domain/session.js';

/**
 * The store-only steps of a plan, in plan order. Each is a checked move (ops.move), or a
 * small transaction that looks again before acting (Agones: "check whether the work is
 * already done"), so a heartbeat or a claim that landed after the snapshot wins and the
 * action is skipped, not failed. Sessions end only through ops.endSession.
 */
export async function applyStateSteps(d: ApplyDeps, plan: Plan, t: ApplyTally): Promise<void> {
  const { ops } = d;
  await t.each(
    'adopt',
    plan.adopt,
    (a) => ({ serverId: a.serverId, providerId: a.machine.providerId }),
    (a) => adoptWithinDeadline(d, a),
  );
  await t.each(
    'promote',
    plan.promote,
    (id) => ({ serverId: id }),
    async (id) => (await ops.markReady(id)) !== null,
  );
  await t.each('markLost', plan.markLost, serverIds, (a) => markLost(d, a));
  await t.each('bootTimeout', plan.bootTimeout, serverIds, (a) => timeOutBoot(d, a));
  await t.each('heartbeatLost', plan.heartbeatLost, serverIds, (a) => heartbeatLost(d, a));
  await t.each(
    'endSession',
    plan.endSession,
    (a) => ({ sessionId: a.sessionId, serverId: a.serverId }),
    (a) => endSession(d, a.sessionId),
  );
  await t.each('shutdown', plan.shutdown, serverIds, (a) => step(d, a, ServerState.Shutdown));
  await t.each('deleteIdle', plan.deleteIdle, serverIds, (a) => retireIdle(d, a));
  await t.each(
    'offer',
    plan.offer,
    (id) => ({ serverId: id }),
    (id) =>
      d.store.transaction(async (tx) => {
        const s = await tx.getServer(id);
        return s ? (await ops.offerToPending(tx, s)).state === ServerState.Allocated : false;
      }),
  );
}

function serverIds(a: { serverId: string }): object {
  return { serverId: a.serverId };
}

async function step(d: ApplyDeps, a: ServerStep, to: ServerState): Promise<boolean> {
  return (await d.ops.moveNow(a.serverId, [a.from], to, { reason: a.reason })) !== null;
}

/** The machine is gone: the row is history and whoever played on it lost their server. */
export async function markLost(d: ApplyDeps, a: LostAction): Promise<boolean> {
  return d.store.transaction(async (tx) => {
    // A creating row whose creator renewed its lease since the snapshot is still being made.
    const current = await tx.getServer(a.serverId);
    if (current && !isLostWithoutMachine(current, d.clock.now(), d.settings.orphanGraceS)) return false;
    const known = current?.providerId ? d.provider.goneReason?.(current.providerId) : null;
    const s = await d.ops.move(tx, a.serverId, [a.from], ServerState.Deleted, {
      reason: known ?? a.reason ?? 'machine gone from the provider',
    });
    if (!s) return false;
    const session = await tx.findLiveSessionByServer(a.serverId);
    if (session) await d.ops.endSession(tx, session, EndReason.ServerLost);
    return true;
  });
}

async function heartbeatLost(d: ApplyDeps, a: HeartbeatLostAction): Promise<boolean> {
  const nowMs = d.clock.now();
  return d.store.transaction(async (tx) => {
    const current = await tx.getServer(a.serverId);
    // A heartbeat that arrived after the snapshot keeps it alive.
    if (!current || current.state !== a.from || !isSilent(current, nowMs, d.settings)) return false;
    const s = await d.ops.move(tx, a.serverId, [a.from], a.to, { reason: a.reason });
    if (!s) return false;
    const session = await tx.findLiveSessionByServer(a.serverId);
    if (session) await d.ops.endSession(tx, session, EndReason.ServerLost);
    return true;
  });
}

/** Ends a session that is still due (asked again here); endSession settles its server. */
async function endSession(d: ApplyDeps, sessionId: string): Promise<boolean> {
  const nowMs = d.clock.now();
  return d.store.transaction(async (tx) => {
    const session = await tx.getSession(sessionId);
    if (!session) return false;
    const server = session.serverId ? await tx.getServer(session.serverId) : null;
    const reason = sessionEndReason(session, server, nowMs, d.settings);
    if (!reason) return false;
    return (await d.ops.endSession(tx, session, reason)) !== null;
  });
}

/** An idle server beyond the pool leaves it only if still idle (a claim makes it allocated). */
async function retireIdle(d: ApplyDeps, a: ServerStep): Promise<boolean> {
  return d.store.transaction(async (tx) => {
    const s = await tx.getServer(a.serverId);
    if (s?.state !== ServerState.Ready || s.players > 0) return false;
    if (await tx.findLiveSessionByServer(s.id)) return false;
    return (await d.ops.move(tx, s.id, [ServerState.Ready], ServerState.Shutdown, { reason: a.reason })) !== null;
  });
}
