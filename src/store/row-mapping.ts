import type { Server } from '../domain/server.js';
import type { Session } from '../domain/session.js';
import type { ServerPatch } from './store.js';
import type { ServerRow, SessionRow } from './db-schema.js';

/** snake_case row → the domain's Server. */
export function toServer(r: ServerRow): Server {
  const s: Server = {
    id: r.id,
    state: r.state,
    origin: r.origin,
    region: r.region,
    providerId: r.provider_id,
    ip: r.ip,
    port: r.port,
    players: r.players,
    createdAtMs: r.created_at,
    updatedAtMs: r.updated_at,
    stateChangedAtMs: r.state_changed_at,
    readyAtMs: r.ready_at,
    lastHeartbeatAtMs: r.last_heartbeat_at,
    reason: r.reason,
    owner: r.owner ?? null,
    leaseUntilMs: r.lease_until ?? null,
  };
  // Present only when recorded (migration 0018): a row without one reads as it was written.
  if (r.size) s.size = r.size;
  return s;
}

/** The domain's Server → a row to insert. */
export function fromServer(s: Server): ServerRow {
  return {
    id: s.id,
    state: s.state,
    origin: s.origin,
    region: s.region,
    provider_id: s.providerId,
    ip: s.ip,
    port: s.port,
    players: s.players,
    created_at: s.createdAtMs,
    updated_at: s.updatedAtMs,
    state_changed_at: s.stateChangedAtMs,
    ready_at: s.readyAtMs,
    last_heartbeat_at: s.lastHeartbeatAtMs,
    reason: s.reason,
    size: s.size ?? null,
    owner: s.owner ?? null,
    lease_until: s.leaseUntilMs ?? null,
  };
}

/** Only the patch's present keys become columns, so absent fields stay untouched. */
export function serverPatchColumns(p: ServerPatch): Partial<ServerRow> {
  const out: Partial<ServerRow> = {};
  if (p.providerId !== undefined) out.provider_id = p.providerId;
  if (p.ip !== undefined) out.ip = p.ip;
  if (p.port !== undefined) out.port = p.port;
  if (p.players !== undefined) out.players = p.players;
  if (p.readyAtMs !== undefined) out.ready_at = p.readyAtMs;
  if (p.lastHeartbeatAtMs !== undefined) out.last_heartbeat_at = p.lastHeartbeatAtMs;
  if (p.reason !== undefined) out.reason = p.reason;
  return out;
}

/** snake_case row → the domain's Session (fresh 0/1 → coldStart). */
export function toSession(r: SessionRow): Session {
  return {
    id: r.id,
    code: r.code,
    state: r.state,
    serverId: r.server_id,
    createdAtMs: r.created_at,
    activatedAtMs: r.activated_at,
    endedAtMs: r.ended_at,
    endReason: r.end_reason,
    lastPlayedAtMs: r.last_played_at,
    coldStart: Boolean(r.fresh),
    region: r.region,
    placement: r.placement ?? null,
    owner: r.owner ?? null,
    leaseUntilMs: r.lease_until ?? null,
  };
}

/** The domain's Session → a row to insert. */
export function fromSession(s: Session): SessionRow {
  return {
    id: s.id,
    code: s.code,
    state: s.state,
    server_id: s.serverId,
    created_at: s.createdAtMs,
    activated_at: s.activatedAtMs,
    ended_at: s.endedAtMs,
    end_reason: s.endReason,
    last_played_at: s.lastPlayedAtMs,
    fresh: s.coldStart ? 1 : 0,
    region: s.region,
    placement: s.placement,
    owner: s.owner ?? null,
    lease_until: s.leaseUntilMs ?? null,
  };
}
