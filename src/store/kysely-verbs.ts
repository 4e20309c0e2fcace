import type { Kysely } from 'kysely';
import type { Server, ServerState } from '../domain/server.js';
import type { EndReason, Session, SessionState } from '../domain/session.js';
import * as cache from './cache-queries.js';
import type { Database, DialectKind } from './db-schema.js';
import * as servers from './server-queries.js';
import * as sessions from './session-queries.js';
import { assignOldestPending } from './pending-assignment.js';
import * as regions from './region-queries.js';
import type { RegionCount } from './region-queries.js';
import type { ServerPatch, StoreVerbs } from './store.js';
import * as v1 from './v1-queries.js';
import * as holders from './holder-queries.js';
import * as seats from './seat-queries.js';
import * as lobbies from './lobby-queries.js';
import type { Lobby, LobbyEntry } from '../domain/lobby.js';
import type { Seat } from '../domain/seat.js';
import type { PlacementRequest } from '../domain/placement.js';
import type {
  DetailedSession,
  Page,
  ServerPage,
  ServerPageQuery,
  SessionDetails,
  SessionPage,
  SessionPageQuery,
} from './v1-types.js';

/**
 * The Store's statements over Kysely, for SQLite and PostgreSQL alike, bound to `db`: the
 * database (KyselyStore) or one open transaction (KyselyTx). The SQL lives in the
 * *-queries.ts modules. KyselyStore overrides the hot reads to ride SQLite's group commit.
 */
export class KyselyVerbs implements StoreVerbs {
  constructor(
    protected readonly db: Kysely<Database>,
    readonly kind: DialectKind,
  ) {}

  // ---- servers ----
  insertServer(server: Server): Promise<void> {
    return servers.insertServer(this.db, server);
  }
  getServer(id: string): Promise<Server | null> {
    return servers.getServer(this.db, this.kind, id);
  }
  findActiveServerByIp(ip: string): Promise<Server | null> {
    return servers.findActiveServerByIp(this.db, this.kind, ip);
  }
  listServers(states?: readonly ServerState[]): Promise<Server[]> {
    return servers.listServers(this.db, states);
  }
  countServers(states: readonly ServerState[]): Promise<number> {
    return servers.countServers(this.db, states);
  }
  transitionServer(
    id: string,
    from: readonly ServerState[],
    to: ServerState,
    patch: ServerPatch,
    nowMs: number,
  ): Promise<Server | null> {
    return servers.transitionServer(this.db, id, from, to, patch, nowMs);
  }
  patchServer(id: string, states: readonly ServerState[], patch: ServerPatch, nowMs: number): Promise<Server | null> {
    return servers.patchServer(this.db, id, states, patch, nowMs);
  }
  claimReadyServer(nowMs: number, heardSinceMs?: number, region?: string): Promise<Server | null> {
    return servers.claimReadyServer(this.db, this.kind, nowMs, heardSinceMs, region);
  }
  countMadeServers(states: readonly ServerState[]): Promise<number> {
    return servers.countMadeServers(this.db, states);
  }
  recordHeartbeatByIp(ip: string, players: number, nowMs: number): Promise<Server | null> {
    return servers.recordHeartbeatByIp(this.db, this.kind, ip, players, nowMs);
  }
  countMachines(): Promise<number> {
    return servers.countMachines(this.db);
  }
  countOnTheWay(nowMs: number): Promise<number> {
    return servers.countOnTheWay(this.db, nowMs);
  }
  countByRegion(nowMs: number, heardSinceMs = Number.MIN_SAFE_INTEGER): Promise<Map<string, RegionCount>> {
    return regions.countByRegion(this.db, nowMs, heardSinceMs);
  }
  movePendingSession(id: string, region: string, placement: string | null): Promise<boolean> {
    return regions.movePendingSession(this.db, id, region, placement);
  }
  setPlacementRequest(id: string, req: PlacementRequest): Promise<void> {
    return regions.setPlacementRequest(this.db, id, req);
  }
  placementRequestOf(id: string): Promise<PlacementRequest | null> {
    return regions.placementRequestOf(this.db, id);
  }
  renewServerLease(serverId: string, owner: string, untilMs: number): Promise<boolean> {
    return servers.renewServerLease(this.db, serverId, owner, untilMs);
  }
  claimServerTeardown(serverId: string, owner: string, nowMs: number, untilMs: number): Promise<boolean> {
    return servers.claimServerTeardown(this.db, serverId, owner, nowMs, untilMs);
  }
  releaseServerLease(serverId: string, owner: string): Promise<void> {
    return servers.releaseServerLease(this.db, serverId, owner);
  }

  // ---- sessions ----
  insertSession(session: Session): Promise<boolean> {
    return sessions.insertSession(this.db, this.kind, session);
  }
  getSession(id: string): Promise<Session | null> {
    return sessions.getSession(this.db, id);
  }
  findLiveSessionByCode(code: string): Promise<Session | null> {
    return sessions.findLiveSessionByCode(this.db, this.kind, code);
  }
  findLiveSessionByServer(serverId: string): Promise<Session | null> {
    return sessions.findLiveSessionByServer(this.db, this.kind, serverId);
  }
  findJoinAddress(code: string): Promise<string | null> {
    return sessions.findJoinAddress(this.db, this.kind, code);
  }
  listSessions(states: readonly SessionState[]): Promise<Session[]> {
    return sessions.listSessions(this.db, states);
  }
  countSessions(states: readonly SessionState[]): Promise<number> {
    return sessions.countSessions(this.db, states);
  }
  assignOldestPending(serverId: string, nowMs: number, rankBelow?: number): Promise<Session | null> {
    return assignOldestPending(this.db, this.kind, serverId, nowMs, rankBelow);
  }
  endSession(
    id: string,
    from: readonly SessionState[],
    reason: EndReason,
    nowMs: number,
    leaseExpiredBy?: number,
  ): Promise<Session | null> {
    return sessions.endSession(this.db, id, from, reason, nowMs, leaseExpiredBy);
  }
  touchSessionPlayed(serverId: string, nowMs: number): Promise<void> {
    return sessions.touchSessionPlayed(this.db, this.kind, serverId, nowMs);
  }
  renewSessionLease(sessionId: string, owner: string, untilMs: number): Promise<boolean> {
    return sessions.renewSessionLease(this.db, sessionId, owner, untilMs);
  }
  renewSessionLeases(sessionIds: readonly string[], owner: string, untilMs: number): Promise<number> {
    return sessions.renewSessionLeases(this.db, sessionIds, owner, untilMs);
  }
  sessionStates(ids: readonly string[]): Promise<Map<string, SessionState>> {
    return sessions.sessionStates(this.db, ids);
  }
  listAbandonedPending(nowMs: number): Promise<Session[]> {
    return sessions.listAbandonedPending(this.db, nowMs);
  }
  listSessionsStartedSince(sinceMs: number): Promise<Session[]> {
    return sessions.listSessionsStartedSince(this.db, sinceMs);
  }

  // ---- idempotency keys, replay cache, rate counters, meta ----
  getIdempotentSession(key: string, nowMs: number): Promise<string | null> {
    return cache.getIdempotentSession(this.db, this.kind, key, nowMs);
  }
  putIdempotencyKey(key: string, sessionId: string, nowMs: number, expiresAtMs: number): Promise<string> {
    return cache.putIdempotencyKey(this.db, this.kind, key, sessionId, nowMs, expiresAtMs);
  }
  replaceIdempotencyKey(
    key: string,
    oldSessionId: string,
    newSessionId: string,
    nowMs: number,
    expiresAtMs: number,
  ): Promise<boolean> {
    return cache.replaceIdempotencyKey(this.db, key, oldSessionId, newSessionId, nowMs, expiresAtMs);
  }
  rememberSignature(signature: string, nowMs: number, expiresAtMs: number): Promise<boolean> {
    return cache.rememberSignature(this.db, this.kind, signature, nowMs, expiresAtMs);
  }
  leakHit(key: string, bucket: cache.Bucket, nowMs: number, by = 1): Promise<number> {
    return cache.leakHit(this.db, this.kind, key, bucket, nowMs, by);
  }
  leakLevel(key: string, bucket: cache.Bucket, nowMs: number): Promise<number> {
    return cache.leakLevel(this.db, this.kind, key, bucket, nowMs);
  }
  getMeta(key: string): Promise<string | null> {
    return cache.getMeta(this.db, key);
  }
  setMetaIfAbsent(key: string, value: string): Promise<string> {
    return cache.setMetaIfAbsent(this.db, key, value);
  }

  // ---- who asked for each session (migration 0008) ----
  holdSession(sessionId: string, holder: string): Promise<void> {
    return holders.holdSession(this.db, this.kind, sessionId, holder);
  }
  countLiveHeld(holder: string): Promise<holders.HeldCount> {
    return holders.countLiveHeld(this.db, this.kind, holder);
  }

  // ---- seats (migration 0012) ----
  claimSeat(sessionId: string): Promise<seats.SeatClaimed | false> {
    return seats.claimSeat(this.db, this.kind, sessionId);
  }
  insertSeat(seat: Seat): Promise<boolean> {
    return seats.insertSeat(this.db, this.kind, seat);
  }
  renewSeat(sessionId: string, playerId: string, nowMs: number, deadlineMs: number): Promise<Seat | null> {
    return seats.renewSeat(this.db, this.kind, sessionId, playerId, nowMs, deadlineMs);
  }
  freeDueSeats(sessionId: string, nowMs: number): Promise<Seat[]> {
    return seats.freeDueSeats(this.db, this.kind, sessionId, nowMs);
  }
  sessionsWithDueSeats(nowMs: number, limit: number): Promise<string[]> {
    return seats.sessionsWithDueSeats(this.db, nowMs, limit);
  }
  markSeatsTaken(sessionId: string, playerIds: readonly string[], nowMs: number): Promise<Seat[]> {
    return seats.markSeatsTaken(this.db, sessionId, playerIds, nowMs);
  }
  markSeatsLeft(sessionId: string, playerIds: readonly string[], nowMs: number, deadlineMs: number): Promise<Seat[]> {
    return seats.markSeatsLeft(this.db, sessionId, playerIds, nowMs, deadlineMs);
  }
  listSeats(sessionId: string): Promise<Seat[]> {
    return seats.listSeats(this.db, sessionId);
  }
  liveSeatCounts(): Promise<Map<string, seats.SessionSeatCounts>> {
    return seats.liveSeatCounts(this.db);
  }

  // ---- public lobbies (migration 0014) ----
  setLobby(sessionId: string, lobby: Lobby): Promise<void> {
    return lobbies.setLobby(this.db, sessionId, lobby);
  }
  listLobbies(q: lobbies.LobbyQuery): Promise<Page<LobbyEntry>> {
    return lobbies.listLobbies(this.db, q);
  }
  quickJoinCandidates(mode: string, limit: number, region?: string): Promise<string[]> {
    return lobbies.quickJoinCandidates(this.db, this.kind, mode, limit, region);
  }
  claimLobbySeat(sessionId: string): Promise<boolean> {
    return lobbies.claimLobbySeat(this.db, this.kind, sessionId);
  }

  // ---- the /v1 API (migration 0004) ----
  setMeta(key: string, value: string): Promise<void> {
    return v1.setMeta(this.db, key, value);
  }
  setSessionDetails(id: string, details: SessionDetails): Promise<void> {
    return v1.setSessionDetails(this.db, id, details);
  }
  getDetailedSession(id: string): Promise<DetailedSession | null> {
    return v1.getDetailedSession(this.db, id);
  }
  findSessionByCode(code: string): Promise<DetailedSession | null> {
    return v1.findSessionByCode(this.db, this.kind, code);
  }
  async findSessionAndServerByCode(code: string): Promise<{ session: DetailedSession; server: Server | null } | null> {
    const session = await v1.findSessionByCode(this.db, this.kind, code);
    if (!session) return null;
    return { session, server: session.serverId ? await servers.getServer(this.db, this.kind, session.serverId) : null };
  }
  pageSessions(q: SessionPageQuery): Promise<SessionPage> {
    return v1.pageSessions(this.db, q);
  }
  pageServers(q: ServerPageQuery): Promise<ServerPage> {
    return v1.pageServers(this.db, q);
  }
}
