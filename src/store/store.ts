import type { Server, ServerState } from '../domain/server.js';
import type { EndReason, Session, SessionState } from '../domain/session.js';

/**
 * The Store port. It speaks the domain: conditional transitions return null/false on a lost
 * race instead of throwing, and every claim is a single atomic statement.
 */
export interface Store {
  /** Runs fn atomically. Keep it short: no provider calls or waits inside. */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
  /**
   * Inside a transaction: serialises capacity decisions (how many servers to make) across
   * replicas. A no-op where transactions are already serial (SQLite).
   */
  lockCapacity(): Promise<void>;

  // ---- servers ----
  insertServer(server: Server): Promise<void>;
  getServer(id: string): Promise<Server | null>;
  /** The server at this address in creating/starting/ready/allocated, if any. */
  findActiveServerByIp(ip: string): Promise<Server | null>;
  /** Servers in the given states (all when omitted). */
  listServers(states?: readonly ServerState[]): Promise<Server[]>;
  countServers(states: readonly ServerState[]): Promise<number>;
  /**
   * Moves a server from one of `from` to `to` and applies `patch`, in one conditional update.
   * Returns the updated row, or null when the server was not in one of `from` (a lost race).
   */
  transitionServer(id: string, from: readonly ServerState[], to: ServerState, patch: ServerPatch, nowMs: number): Promise<Server | null>;
  /** Updates fields without changing state, only while the server is in one of `states`. */
  patchServer(id: string, states: readonly ServerState[], patch: ServerPatch, nowMs: number): Promise<Server | null>;
  /** Atomically takes the longest-ready idle server (ready, 0 players) and marks it allocated. */
  claimReadyServer(nowMs: number): Promise<Server | null>;

  // ---- sessions ----
  /** Inserts a session; false when its code is taken by a live session (pick another code). */
  insertSession(session: Session): Promise<boolean>;
  getSession(id: string): Promise<Session | null>;
  findLiveSessionByCode(code: string): Promise<Session | null>;
  findLiveSessionByServer(serverId: string): Promise<Session | null>;
  /** The join hot path: the address of the server holding the active session with this code. */
  findJoinAddress(code: string): Promise<string | null>;
  listSessions(states: readonly SessionState[]): Promise<Session[]>;
  countSessions(states: readonly SessionState[]): Promise<number>;
  /** Gives the oldest pending session to this server (pending → active); null when none waits. */
  assignOldestPending(serverId: string, nowMs: number): Promise<Session | null>;
  /** Ends a session that is in one of `from`; null on a lost race. */
  endSession(id: string, from: readonly SessionState[], reason: EndReason, nowMs: number): Promise<Session | null>;
  /** Moves the idle clock of the live session on this server. */
  touchSessionPlayed(serverId: string, nowMs: number): Promise<void>;

  // ---- idempotency keys for starts ----
  /** The session a key already names (unexpired), or null. */
  getIdempotentSession(key: string, nowMs: number): Promise<string | null>;
  /** Binds key → session unless the key exists; returns the session id the key names now. */
  putIdempotencyKey(key: string, sessionId: string, nowMs: number, expiresAtMs: number): Promise<string>;

  // ---- replay cache and rate counters (shared by replicas) ----
  /**
   * Records a verified signature until expiresAtMs (derived from its signed timestamp, so a
   * replay always comes with the same expiry); false when it was already seen: a replay.
   */
  rememberSignature(signature: string, nowMs: number, expiresAtMs: number): Promise<boolean>;
  /** Adds `by` to a counter for the window containing nowMs; returns the new count. */
  hitCounter(key: string, windowMs: number, nowMs: number, by?: number): Promise<number>;
  /** Reads a counter for the window containing nowMs without changing it. */
  peekCounter(key: string, windowMs: number, nowMs: number): Promise<number>;
  /** Drops expired replay entries, counters and idempotency keys. */
  purgeExpired(nowMs: number): Promise<number>;

  // ---- settings kept with the data ----
  getMeta(key: string): Promise<string | null>;
  /** Stores value unless the key exists; returns the stored value. */
  setMetaIfAbsent(key: string, value: string): Promise<string>;

  close(): Promise<void>;

  // ---- demand, for the forecasting warm pool ----
  /** Sessions created at or after sinceMs, in any state, oldest first (an index range per state). */
  listSessionsStartedSince(sinceMs: number): Promise<Session[]>;
}

/** Fields of a server that change without (or with) a state change. */
export type ServerPatch = Partial<
  Pick<Server, 'providerId' | 'ip' | 'port' | 'players' | 'readyAtMs' | 'lastHeartbeatAtMs' | 'reason'>
>;
