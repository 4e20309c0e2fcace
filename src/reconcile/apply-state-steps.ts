import { ServerState } from '../domain/server.js';
import { EndReason, SessionState } from '../domain/session.js';
import type { Store } from '../store/store.js';
import type { ApplyDeps, ApplyTally } from './apply-tally.js';
import { isSilent } from './health.js';
import { releasedState, sessionEndReason } from './plan-sessions.js';
import type { HeartbeatLostAction, LostAction, Plan, ServerStep } from './types.js';

/**
 * The store-only steps of a plan, in plan order. Each is a conditional transition, or a small
 * transaction that looks again before acting (Agones: "check whether the work is already
 * done"), so a heartbeat or a claim that landed after the snapshot wins and the action is
 * skipped, not failed.
 */
export async function applyStateSteps(d: ApplyDeps, plan: Plan, t: ApplyTally): Promise<void> {
  const { ops, store } = d;
  const now = () => d.clock.now();
  await t.each('adopt', plan.adopt, (a) => ({ serverId: a.serverId, providerId: a.machine.providerId }), async (a) => {
    await ops.recordMachine(a.serverId, a.machine);
    return true;
  });
  await t.each('promote', plan.promote, (id) => ({ serverId: id }), async (id) => (await ops.markReady(id)) !== null);
  await t.each('markLost', plan.markLost, serverIds, (a) => markLost(store, a, now()));
  await t.each('bootTimeout', plan.bootTimeout, serverIds, (a) => step(store, a, ServerState.Unhealthy, now()));
  await t.each('heartbeatLost', plan.heartbeatLost, serverIds, (a) => heartbeatLost(d, a, now()));
  await t.each('endSession', plan.endSession, (a) => ({ sessionId: a.sessionId, serverId: a.serverId }), (a) => endSession(d, a.sessionId, now()));
  await t.each('shutdown', plan.shutdown, serverIds, (a) => step(store, a, ServerState.Shutdown, now()));
  await t.each('deleteIdle', plan.deleteIdle, serverIds, (a) => retireIdle(store, a, now()));
  await t.each('offer', plan.offer, (id) => ({ serverId: id }), (id) =>
    store.transaction(async (tx) => {
      const s = await tx.getServer(id);
      return s ? (await ops.offerToPending(tx, s)).state === ServerState.Allocated : false;
    }),
  );
}

function serverIds(a: { serverId: string }): object {
  return { serverId: a.serverId };
}

async function step(store: Store, a: ServerStep, to: ServerState, nowMs: number): Promise<boolean> {
  return (await store.transitionServer(a.serverId, [a.from], to, { reason: a.reason }, nowMs)) !== null;
}

/** The machine is gone: the row is history and whoever played on it lost their server. */
async function markLost(store: Store, a: LostAction, nowMs: number): Promise<boolean> {
  return store.transaction(async (tx) => {
    const session = await tx.findLiveSessionByServer(a.serverId);
    const s = await tx.transitionServer(a.serverId, [a.from], ServerState.Deleted, { reason: 'machine gone from the provider' }, nowMs);
    if (!s) return false;
    if (session) await tx.endSession(session.id, [SessionState.Active, SessionState.Pending], EndReason.ServerLost, nowMs);
    return true;
  });
}

async function heartbeatLost(d: ApplyDeps, a: HeartbeatLostAction, nowMs: number): Promise<boolean> {
  return d.store.transaction(async (tx) => {
    const current = await tx.getServer(a.serverId);
    // A heartbeat that arrived after the snapshot keeps it alive.
    if (!current || current.state !== a.from || !isSilent(current, nowMs, d.settings)) return false;
    const session = await tx.findLiveSessionByServer(a.serverId);
    const s = await tx.transitionServer(a.serverId, [a.from], a.to, { reason: a.reason }, nowMs);
    if (!s) return false;
    if (session) await tx.endSession(session.id, [SessionState.Active, SessionState.Pending], EndReason.ServerLost, nowMs);
    d.log.warn({ serverId: a.serverId, failures: a.failures, origin: s.origin }, 'heartbeat lost');
    return true;
  });
}

/** Ends a session that is still due (asked again here) and releases its server, in one transaction. */
async function endSession(d: ApplyDeps, sessionId: string, nowMs: number): Promise<boolean> {
  return d.store.transaction(async (tx) => {
    const session = await tx.getSession(sessionId);
    if (!session) return false;
    const server = session.serverId ? await tx.getServer(session.serverId) : null;
    const reason = sessionEndReason(session, server, nowMs, d.settings);
    if (!reason) return false;
    const ended = await tx.endSession(sessionId, [session.state], reason, nowMs);
    if (!ended) return false;
    if (server && releasedState(server, d.settings.recycleServers)) await d.ops.release(tx, server);
    d.log.info({ sessionId, serverId: session.serverId, reason }, 'session ended by the reconciler');
    return true;
  });
}

/** An idle server beyond the pool leaves it only if still idle (a claim makes it allocated). */
async function retireIdle(store: Store, a: ServerStep, nowMs: number): Promise<boolean> {
  return store.transaction(async (tx) => {
    const s = await tx.getServer(a.serverId);
    if (s?.state !== ServerState.Ready || s.players > 0) return false;
    if (await tx.findLiveSessionByServer(s.id)) return false;
    return (await tx.transitionServer(s.id, [ServerState.Ready], ServerState.Shutdown, { reason: a.reason }, nowMs)) !== null;
  });
}
