import { compareText } from './compare-text.js';
import { ServerState, isBeforeReady, type Server } from '../domain/server.js';
import { assessHeartbeats, isHeardRecently, wasSilentAtStart, type HealthSettings } from './health.js';
import type { PlanWorld } from './plan-world.js';
import type { HeartbeatLostAction, OutageInfo, ServerStep } from './types.js';

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
  settings: HealthSettings,
): { heartbeatLost: HeartbeatLostAction[]; outage: OutageInfo | null } {
  const { silent, outage } = assessHeartbeats(world.allServers(), nowMs, settings);
  const heartbeatLost: HeartbeatLostAction[] = [];
  for (const { server: s, failures } of silent) {
    // The guard spares only servers whose silence it judges; one silent since before our start is reaped.
    if (outage && !wasSilentAtStart(s, settings)) continue;
    const to = s.origin === 'external' ? ServerState.Deleted : ServerState.Unhealthy;
    const reason = `heartbeat lost (${failures} periods of ${settings.heartbeatPeriodS} s missed)`;
    heartbeatLost.push({ serverId: s.id, from: s.state, to, reason, failures });
    const session = world.liveSessionOn(s.id);
    if (session) world.endSession(session.id, 'server_lost');
    world.setServer(s.id, to, { reason });
  }
  return { heartbeatLost, outage };
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

/**
 * Pending sessions, oldest first, take idle ready servers of their own region heard from
 * recently, longest-ready first (a server silent since before our start waits to be reaped,
 * never handed out).
 */
export function planOffers(world: PlanWorld, nowMs: number, settings: HealthSettings): string[] {
  const pending = world.liveSessions().filter((s) => s.state === 'pending');
  if (pending.length === 0) return [];
  const live = idleReady(world).filter((s) => isHeardRecently(s, nowMs, settings));
  const idle = live.sort((a, b) => (a.readyAtMs ?? 0) - (b.readyAtMs ?? 0) || compareText(a.id, b.id));
  const byRegion = new Map<string, Server[]>();
  for (const s of idle) {
    const list = byRegion.get(s.region);
    if (list) list.push(s);
    else byRegion.set(s.region, [s]);
  }
  const out: string[] = [];
  for (const session of pending) {
    const server = byRegion.get(session.region)?.shift();
    if (!server) continue;
    world.assign(session.id, server.id);
    out.push(server.id);
  }
  return out;
}

/** Ready servers with nobody on them: what a start can claim. */
export function idleReady(world: PlanWorld): Server[] {
  return world.serversIn(ServerState.Ready).filter((s) => s.players === 0 && !world.liveSessionOn(s.id));
}
