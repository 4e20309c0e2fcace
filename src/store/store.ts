import type { Server, ServerState } from '../domain/server.js';
import type { FleetEvent, NewEvent } from '../domain/events.js';
import type { EndReason, Session, SessionState } from '../domain/session.js';
import type {
  DetailedSession,
  ServerPage,
  ServerPageQuery,
  SessionDetails,
  SessionPage,
  SessionPageQuery,
} from './v1-types.js';
import type { WebhookLedger } from '../webhooks/webhook-ledger.js';
import type { Bucket } from './cache-queries.js';
import type { HeldCount } from './holder-queries.js';
import type { SeatVerbs } from './seat-verbs.js';
import type { SeatReservation, SeatReserved } from './seat-reserve-queries.js';
import type { LobbyVerbs } from './lobby-verbs.js';
import type { WarmStartInput, WarmStarted } from './warm-start-types.js';

export type { WarmStartInput, WarmStarted } from './warm-start-types.js';
import type { RegionCount } from './region-queries.js';
import type { PlacementRequest } from '../domain/placement.js';

/**
 * The statements of the Store port, the same inside a transaction (on a Tx) and alone (on the
 * Store). They speak the domain: conditional transitions return null/false on a lost race
 * instead of throwing, and every claim is a single atomic statement.
 */
export interface StoreVerbs extends SeatVerbs, LobbyVerbs {
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
  transitionServer(
    id: string,
    from: readonly ServerState[],
    to: ServerState,
    patch: ServerPatch,
    nowMs: number,
  ): Promise<Server | null>;
  /** Updates fields without changing state, only while the server is in one of `states`. */
  patchServer(id: string, states: readonly ServerState[], patch: ServerPatch, nowMs: number): Promise<Server | null>;
  /**
   * Atomically takes the longest-ready idle server (ready, 0 players) and marks it allocated;
   * with `heardSinceMs`, only one heard from since then (a dead server is never handed out).
   */
  /** `region`: only a server of that region (absent: any region, longest-ready first). */
  claimReadyServer(nowMs: number, heardSinceMs?: number, region?: string): Promise<Server | null>;

  // ---- sessions ----
  /** Inserts a session; false when its code is taken by a live session (pick another code). */
  insertSession(session: Session): Promise<boolean>;
  getSession(id: string): Promise<Session | null>;
  /** The state of each of these sessions (absent: no such session), read at once. */
  sessionStates(ids: readonly string[]): Promise<Map<string, SessionState>>;
  findLiveSessionByCode(code: string): Promise<Session | null>;
  findLiveSessionByServer(serverId: string): Promise<Session | null>;
  /** The join hot path: the address of the server holding the active session with this code. */
  findJoinAddress(code: string): Promise<string | null>;
  listSessions(states: readonly SessionState[]): Promise<Session[]>;
  countSessions(states: readonly SessionState[]): Promise<number>;
  /**
   * Gives a pending session to this server (pending → active); null when none waits, or when the
   * server already holds a live session. The fair queue: the session whose holder holds the
   * fewest servers, the oldest among equals; with `rankBelow`, only one whose holder holds fewer
   * than that many.
   */
  assignOldestPending(serverId: string, nowMs: number, rankBelow?: number): Promise<Session | null>;
  /**
   * Ends a session that is in one of `from` (and, given `leaseExpiredBy`, whose waiter's lease
   * ran out by then, checked in the same statement); null on a lost race.
   */
  endSession(
    id: string,
    from: readonly SessionState[],
    reason: EndReason,
    nowMs: number,
    leaseExpiredBy?: number,
  ): Promise<Session | null>;
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
  /** Adds `by` hits to the key's leaky bucket at nowMs; returns its level (in hits) after that. */
  leakHit(key: string, bucket: Bucket, nowMs: number, by?: number): Promise<number>;
  /** The key's leaky-bucket level (in hits) at nowMs, without changing it. */
  leakLevel(key: string, bucket: Bucket, nowMs: number): Promise<number>;

  // ---- settings kept with the data ----
  getMeta(key: string): Promise<string | null>;
  /** Stores value unless the key exists; returns the stored value. */
  setMetaIfAbsent(key: string, value: string): Promise<string>;

  // ---- the outbox (migration 0003) ----

  // ---- counts and leases ----
  /** Live rows a provider made (not external): what MAX_SERVERS caps. */
  countMachines(): Promise<number>;
  /**
   * Machines on their way to the pool: starting rows, and creating rows whose creator is alive
   * (its lease holds) or whose machine is known. A create abandoned by a dead process is not.
   */
  countOnTheWay(nowMs: number): Promise<number>;
  /**
   * Per region (issue 23): ready servers heard from since `heardSinceMs` (absent: any), machines,
   * machines on their way and pending sessions, in two aggregate reads. Regions with no rows are absent.
   */
  countByRegion(nowMs: number, heardSinceMs?: number): Promise<Map<string, RegionCount>>;
  /** A pending session re-placed in another region (with why); false when it is no longer pending. */
  movePendingSession(id: string, region: string, placement: string | null): Promise<boolean>;
  /** Keeps a pending session's placement request (by latencies) on its row, for re-placement. */
  setPlacementRequest(id: string, req: PlacementRequest): Promise<void>;
  /** The placement request kept on a session's row; null: none. */
  placementRequestOf(id: string): Promise<PlacementRequest | null>;
  renewServerLease(serverId: string, owner: string, untilMs: number): Promise<boolean>;
  /** The teardown lease of a row waiting for its machine's delete (fleet/machine-teardown.ts). */
  claimServerTeardown(serverId: string, owner: string, nowMs: number, untilMs: number): Promise<boolean>;
  releaseServerLease(serverId: string, owner: string): Promise<void>;
  renewSessionLease(sessionId: string, owner: string, untilMs: number): Promise<boolean>;
  /** renewSessionLease for every session a process waits on, at once; returns how many were still pending. */
  renewSessionLeases(sessionIds: readonly string[], owner: string, untilMs: number): Promise<number>;
  listAbandonedPending(nowMs: number): Promise<Session[]>;
  /**
   * Re-points a key from oldSessionId to newSessionId; false when it names something else (a
   * retry whose session ended before it was given a server starts over under the same key).
   */
  replaceIdempotencyKey(
    key: string,
    oldSessionId: string,
    newSessionId: string,
    nowMs: number,
    expiresAtMs: number,
  ): Promise<boolean>;

  // ---- the /v1 API (migration 0004) ----
  /** Stores value under key, replacing what was there (run-time settings every replica reads). */
  setMeta(key: string, value: string): Promise<void>;
  /** Records what a /v1 start said about its session. */
  setSessionDetails(id: string, details: SessionDetails): Promise<void>;
  /** Notes who asked for a session: a client address or an API key's digest (the per-client cap). */
  holdSession(sessionId: string, holder: string): Promise<void>;
  /** Active (holding a server) and pending sessions a holder asked for. */
  countLiveHeld(holder: string): Promise<HeldCount>;
  getDetailedSession(id: string): Promise<DetailedSession | null>;
  /**
   * The live session with this code, else the most recent ended one (a code is unique among
   * live sessions only, and may be handed out again after its session ended).
   */
  findSessionByCode(code: string): Promise<DetailedSession | null>;
  /** findSessionByCode and the session's server (null: none, or gone), in one read (a join's lookup). */
  findSessionAndServerByCode(code: string): Promise<{ session: DetailedSession; server: Server | null } | null>;
  /** Sessions in (createdAtMs, id) order, after a cursor, filtered. */
  pageSessions(q: SessionPageQuery): Promise<SessionPage>;
  /** Servers in (createdAtMs, id) order, after a cursor, filtered. */
  pageServers(q: ServerPageQuery): Promise<ServerPage>;

  /**
   * Servers in the given states that this orchestrator made (origin not external): what the
   * MAX_SERVERS cap counts. One count query, never a listing.
   */
  countMadeServers(states: readonly ServerState[]): Promise<number>;

  /**
   * A heartbeat of the ready or allocated server at this address: players, last heartbeat and
   * updated times set in one conditional update; the updated row, or null when no server at
   * the address is ready or allocated (nothing changed).
   */
  recordHeartbeatByIp(ip: string, players: number, nowMs: number): Promise<Server | null>;

  // ---- demand, for the forecasting warm pool ----
  /** Sessions created at or after sinceMs, in any state, oldest first (an index range per state). */
  listSessionsStartedSince(sinceMs: number): Promise<Session[]>;
}

/**
 * A transaction's handle, a type of its own: the verbs that only mean something inside a
 * transaction exist here alone, and the outer Store (transaction(), close(), the listeners) is
 * not reachable from it. So calling the outer store from a body, which on SQLite waits for the
 * very transaction the body is in (a deadlock), does not compile when the body keeps to its
 * `tx` (test/store/tx-types.test.ts checks both directions).
 */
export interface Tx extends StoreVerbs {
  /**
   * Serialises capacity decisions (how many servers to make) across replicas until the
   * transaction ends. A no-op where transactions are already serial (SQLite).
   */
  lockCapacity(): Promise<void>;
  /**
   * Serialises the starts of one holder (a client address or key) across replicas until the
   * transaction ends, so its cap is counted and filled by one start at a time. A no-op where
   * transactions are already serial (SQLite).
   */
  lockHolder(holder: string): Promise<void>;
  /**
   * Serialises quick joins of one mode across replicas until the transaction ends, so "no
   * public session has room, start one" is decided by one at a time (the rest then find the
   * new one). A no-op where transactions are already serial (SQLite).
   */
  lockMode(mode: string): Promise<void>;
  /** Written with the transaction (one INSERT before COMMIT), published after it. */
  recordEvent(event: NewEvent): void;
}

/**
 * What a body returns to say "no" (a conflict, a lost race that the caller must hear about):
 * its writes and events are rolled back, and transaction() resolves with the Rollback. An
 * expected refusal is a value, never an exception: it costs neither a throw nor, on SQLite,
 * a transaction of its own (its batch mates commit with one COMMIT).
 */
export class Rollback<R = unknown> {
  constructor(readonly reason: R) {}
}

/** A Rollback carrying `reason`; see Rollback. */
export function rollBack<R>(reason: R): Rollback<R> {
  return new Rollback(reason);
}

/** The Store port: the statements alone, transactions, and what belongs to the database as a whole. */
export interface Store extends StoreVerbs {
  /**
   * Runs fn once, atomically, with the events it recorded; publishes them to onEvents
   * listeners after the commit. Keep it short: no provider calls or waits inside. A body that
   * throws, or returns a Rollback, is rolled back alone: on SQLite its batch mates in a group
   * commit still commit, once. Side effects belong in event listeners.
   */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * A warm start as ONE statement, outside any transaction, where the database runs one
   * (PostgreSQL, warm-start-queries.ts; absent on SQLite, whose transactions are in-process):
   * claims a ready server as claimReadyServer does and inserts an active session on it with
   * both events, atomically, and publishes the events. Null: no server to claim, nothing written.
   */
  startOnReadyServer?(start: WarmStartInput): Promise<WarmStarted | null>;
  /**
   * A new seat for a player who holds none, its count and its seat.reserved event, atomically,
   * in the fewest statements the database allows (seat-reserve-queries.ts: one on PostgreSQL,
   * three without a savepoint on SQLite); publishes the event. With `renew`, a seat the player
   * holds (not due) is renewed instead (`held`; SQLite: in the same job). Null: the session is
   * not active, has no room, or the player holds a row (due, or not renewed): nothing written.
   */
  reserveSeat(r: SeatReservation): Promise<SeatReserved | null>;
  /**
   * True when no other process shares the database (SQLite): at start-up, whatever another
   * owner left in flight belongs to a dead process.
   */
  readonly exclusive: boolean;
  /** Drops expired replay entries, counters and idempotency keys (in batches, letting requests through). */
  purgeExpired(nowMs: number): Promise<number>;
  /**
   * Committed events after a cursor, oldest first; never one that a later commit could
   * precede (see event-queries.ts), so a reader moving its cursor on skips nothing.
   */
  listEvents(afterId: number, limit: number): Promise<FleetEvent[]>;
  /** The newest `limit` events up to `upToId`, oldest first. */
  recentEvents(upToId: number, limit: number): Promise<FleetEvent[]>;
  /** The newest id listEvents may return: a cursor meaning "from now on". */
  lastEventId(): Promise<number>;
  /** Drops events older than olderThanMs and beyond the newest keepRows; at most `batch` per call. */
  pruneEvents(olderThanMs: number, keepRows: number, batch: number): Promise<number>;
  /**
   * Drops up to `batch` sessions that ended before endedBeforeMs (oldest first), with their
   * holder rows; returns how many.
   */
  pruneEndedSessions(endedBeforeMs: number, batch: number): Promise<number>;
  /** Listens to the events this process commits, after each commit, in id order. */
  onEvents(listener: (events: readonly FleetEvent[]) => void): () => void;
  /** Exclusive store at start-up: every lease not held by `owner` ends now. */
  expireForeignLeases(owner: string): Promise<number>;
  /** Per-URL cursors, retry state and dead letters of webhook delivery (migration 0006). */
  webhooks(): WebhookLedger;
  /** Closes the pool or file, after answering what was queued. */
  close(): Promise<void>;
}

/** Fields of a server that change without (or with) a state change. */
export type ServerPatch = Partial<
  Pick<Server, 'providerId' | 'ip' | 'port' | 'players' | 'readyAtMs' | 'lastHeartbeatAtMs' | 'reason'>
>;
