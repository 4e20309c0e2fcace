import { ACTIVE_SERVER_STATES, ServerState, type Server } from '../domain/server.js';
import { EndReason, SessionState, type Session } from '../domain/session.js';
import { isSilent, type HealthSettings } from './health.js';
import type { PlanWorld } from './plan-world.js';
import type { EndSessionAction, ReconcileSettings } from './types.js';

type SessionSettings = Pick<ReconcileSettings, 'startTimeoutS' | 'sessionIdleTimeoutS' | 'sessionMaxLifetimeS'>;

/**
 * Why a live session should end now, or null. Shared by the planner and by the applier,
 * which asks again inside the ending transaction so a heartbeat that arrived meanwhile wins.
 *
 * - pending older than startTimeoutS × 2: its start crashed or gave up without ending it → start_timeout
 * - active whose server is gone (missing, deleted or terminal) → server_lost
 * - active past sessionMaxLifetimeS since activation → max_lifetime
 * - active whose server reports 0 players and nobody played for sessionIdleTimeoutS
 *   (counted from activation when nobody ever joined) → idle, unless `playersStale`: during an
 *   outage the player counts are old news, so silence must not read as "nobody plays"
 */
export function sessionEndReason(
  session: Session,
  server: Server | null,
  nowMs: number,
  settings: SessionSettings,
  playersStale = false,
): EndReason | null {
  if (session.state === SessionState.Pending) {
    return nowMs - session.createdAtMs > settings.startTimeoutS * 2 * 1000 ? EndReason.StartTimeout : null;
  }
  if (session.state !== SessionState.Active) return null;
  if (!server || server.state === ServerState.Deleted || !ACTIVE_SERVER_STATES.includes(server.state))
    return EndReason.ServerLost;
  const activatedAtMs = session.activatedAtMs ?? session.createdAtMs;
  if (nowMs - activatedAtMs > settings.sessionMaxLifetimeS * 1000) return EndReason.MaxLifetime;
  const playedAtMs = session.lastPlayedAtMs ?? activatedAtMs;
  if (!playersStale && server.players === 0 && nowMs - playedAtMs > settings.sessionIdleTimeoutS * 1000)
    return EndReason.Idle;
  return null;
}

/**
 * What ops.release leaves a server in after its session ended, or null when release does not
 * apply (ours only when allocated; external ones in any active state).
 */
export function releasedState(server: Server, recycleServers: boolean): ServerState | null {
  if (server.origin === 'external') return ACTIVE_SERVER_STATES.includes(server.state) ? ServerState.Deleted : null;
  if (server.state !== ServerState.Allocated) return null;
  return recycleServers ? ServerState.Ready : ServerState.Shutdown;
}

/**
 * Ends due sessions in the world and releases their servers as ops.release will. `outage`:
 * sessions on silent servers are not ended as idle (their player counts are stale).
 */
export function planSessionEnds(
  world: PlanWorld,
  nowMs: number,
  settings: SessionSettings & HealthSettings & Pick<ReconcileSettings, 'recycleServers'>,
  outage: boolean,
): EndSessionAction[] {
  const out: EndSessionAction[] = [];
  for (const session of world.liveSessions()) {
    const server = session.serverId ? world.server(session.serverId) : null;
    const stale = outage && server !== null && isSilent(server, nowMs, settings);
    const reason = sessionEndReason(session, server, nowMs, settings, stale);
    if (!reason) continue;
    out.push({ sessionId: session.id, from: session.state, reason, serverId: session.serverId });
    world.endSession(session.id, reason);
    const to = server && releasedState(server, settings.recycleServers);
    if (!server || !to) continue;
    const patch = to === ServerState.Ready ? { players: 0, readyAtMs: nowMs } : { reason: 'session ended' };
    world.setServer(server.id, to, patch);
  }
  return out;
}
