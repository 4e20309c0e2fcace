import type { Server } from '../../domain/server.js';
import type { SessionSnapshot } from '../../sessions/find-session.js';
import type { PoolSettings } from '../../sessions/pool-settings.js';
import type { RegionPool } from '../../sessions/region-pools.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function parseMetadata(text: string | null): Record<string, unknown> | null {
  if (text === null) return null;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** A session as game clients see it: where to connect once active, and how full it is. */
export function sessionView({ session, server }: SessionSnapshot) {
  const active = session.state === 'active' && server !== null;
  return {
    code: session.code,
    state: session.state,
    address: active ? server.ip : null,
    game_port: active ? server.port : null,
    players: active ? server.players : 0,
    max_players: session.maxPlayers,
    metadata: parseMetadata(session.metadata),
    created_at: iso(session.createdAtMs),
    activated_at: iso(session.activatedAtMs),
    ended_at: iso(session.endedAtMs),
    end_reason: session.endReason,
    region: session.region,
    placement: session.placement,
  };
}

/** A session as operators see it: with its id and its server's id. */
export function operatorSessionView(snap: SessionSnapshot) {
  return { ...sessionView(snap), id: snap.session.id, server_id: snap.session.serverId };
}

export function serverView(s: Server) {
  return {
    id: s.id,
    state: s.state,
    origin: s.origin,
    address: s.ip,
    game_port: s.port,
    players: s.players,
    created_at: iso(s.createdAtMs),
    ready_at: iso(s.readyAtMs),
    last_heartbeat_at: iso(s.lastHeartbeatAtMs),
    reason: s.reason,
  };
}

export function poolView(global: PoolSettings, r: RegionPool, caps: { maxServers: number; region: number }) {
  return {
    region: r.region,
    min_ready: r.poolMinReady,
    buffer: r.poolBuffer,
    max_servers: global.maxServers,
    max_servers_cap: caps.maxServers,
    region_max_servers: r.maxServers,
    region_max_servers_cap: caps.region,
  };
}
