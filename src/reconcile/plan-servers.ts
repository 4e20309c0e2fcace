import { compareText } from './compare-text.js';
import { ServerState, isBeforeReady, type Server } from '../domain/server.js';
import { assessHeartbeats } from './health.js';
import type { PlanWorld } from './plan-world.js';
import type { HeartbeatLostAction, OutageInfo, ReconcileSettings, ServerStep } from './types.js';

/** Readiness by address: a starting row with an address is ready (ops.markReady). */
export function planPromotions(world: PlanWorld, nowMs: number, readiness: 'heartbeat' | 'address'): string[] {
  if (readiness !== 'address') return [];
  const out: string[] = [];
  for (const s of world.serversIn(ServerState.Starting)) {
    if (!s.ip) continue;
    out.push(s.id);
    world.setServer(s.id, ServerState.Ready, { readyAtMs: nowMs, lastHeartbeatAtMs: nowMs });
  }
  return out;
}

/** Past its boot deadline (counted from the row's creation) while still creating or starting. */
export function isBootOverdue(s: Server, nowMs: number, bootTimeoutS: number): boolean {
  return isBeforeReady(s.state) && nowMs - s.createdAtMs > bootTimeoutS * 1000;
}

export function planBootTimeouts(world: PlanWorld, nowMs: number, bootTimeoutS: number): ServerStep[] {
  const out: ServerStep[] = [];
  for (const s of world.serversIn(ServerState.Creating, ServerState.Starting)) {
    if (!isBootOverdue(s, nowMs, bootTimeoutS)) continue;
    const reason = `not ready within ${bootTimeoutS} s (boot timeout)`;
    out.push({ serverId: s.id, from: s.state, reason });
    world.setServer(s.id, ServerState.Unhealthy, { reason });
  }
  return out;
}

/**
 * Silent servers become unhealthy (ours) or deleted (external: there is no machine of ours
 * to delete), and their sessions end, unless the outage guard pauses reaping.
 */
export function planHeartbeatLoss(
  world: PlanWorld,
  nowMs: number,
  settings: Pick<ReconcileSettings, 'heartbeatPeriodS' | 'heartbeatFailureThreshold' | 'outageSilentFraction'>,
): { heartbeatLost: HeartbeatLostAction[]; outage: OutageInfo | null } {
  const { silent, outage } = assessHeartbeats(world.allServers(), nowMs, settings);
  if (outage) return { heartbeatLost: [], outage };
  const heartbeatLost: HeartbeatLostAction[] = [];
  for (const { server: s, failures } of silent) {
    const to = s.origin === 'external' ? ServerState.Deleted : ServerState.Unhealthy;
    const reason = `heartbeat lost (${failures} periods of ${settings.heartbeatPeriodS} s missed)`;
    heartbeatLost.push({ serverId: s.id, from: s.state, to, reason, failures });
    const session = world.liveSessionOn(s.id);
    if (session) world.endSession(session.id, 'server_lost');
    world.setServer(s.id, to, { reason });
  }
  return { heartbeatLost, outage: null };
}

/** unhealthy/error → shutdown: nothing leaves a terminal state but towards deleted. */
export function planShutdowns(world: PlanWorld): ServerStep[] {
  const out: ServerStep[] = [];
  for (const s of world.serversIn(ServerState.Unhealthy, ServerState.Error)) {
    const reason = s.reason ?? s.state;
    out.push({ serverId: s.id, from: s.state, reason });
    world.setServer(s.id, ServerState.Shutdown, { reason });
  }
  return out;
}

/** Pending sessions, oldest first, take idle ready servers, longest-ready first. */
export function planOffers(world: PlanWorld): string[] {
  const pending = world.liveSessions().filter((s) => s.state === 'pending');
  if (pending.length === 0) return [];
  const idle = idleReady(world).sort((a, b) => (a.readyAtMs ?? 0) - (b.readyAtMs ?? 0) || compareText(a.id, b.id));
  const n = Math.min(pending.length, idle.length);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    world.assign(pending[i]!.id, idle[i]!.id);
    out.push(idle[i]!.id);
  }
  return out;
}

/** Ready servers with nobody on them: what a start can claim. */
export function idleReady(world: PlanWorld): Server[] {
  return world.serversIn(ServerState.Ready).filter((s) => s.players === 0 && !world.liveSessionOn(s.id));
}
