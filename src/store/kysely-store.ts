import { sql, type Kysely } from 'kysely';
import type { FleetEvent, NewEvent } from '../domain/events.js';
import type { Server, ServerState } from '../domain/server.js';
import type { EndReason, Session, SessionState } from '../domain/session.js';
import * as cache from './cache-queries.js';
import { EventHub } from './event-hub.js';
import * as events from './event-queries.js';
import { GroupCommit } from './group-commit.js';
import type { Database, DialectKind } from './db-schema.js';
import { listServersPaged, listSessionsPaged } from './paged-listing.js';
import { letEventLoopRun } from '../util/time-slice.js';
import * as servers from './server-queries.js';
import * as sessions from './session-queries.js';
import type { ServerPatch, Store } from './store.js';
import * as v1 from './v1-queries.js';
import * as holders from './holder-queries.js';
import type {
  DetailedSession,
  ServerPage,
  ServerPageQuery,
  SessionDetails,
  SessionPage,
  SessionPageQuery,
} from './v1-types.js';
import { KyselyWebhookLedger } from './webhook-queries.js';
import type { WebhookLedger } from '../webhooks/webhook-ledger.js';

/**
 * pg_advisory_xact_lock key for capacity decisions: an arbitrary constant that only this
 * service uses ("GOCAPAC" in ASCII), so replicas serialise on it and nothing else does.
 */
const CAPACITY_LOCK_KEY = 0x474f4341504143n;

/**
 * The Store over Kysely, for SQLite and PostgreSQL alike. The SQL lives in the
 * *-queries.ts modules; this class binds it to a database or to an open transaction.
 */
export class KyselyStore implements Store {
  /**
   * @param db the database, or the transaction every call runs in
   * @param kind the dialect, for the few statements that differ
   * @param inTransaction whether db is a transaction (nested transaction() calls join it)
   */
  private readonly groupCommit: GroupCommit<KyselyStore> | null;
  /** Events recorded in this transaction, written just before its COMMIT. */
  private recorded: NewEvent[] = [];
  readonly exclusive: boolean;

  constructor(
    private readonly db: Kysely<Database>,
    readonly kind: DialectKind,
    private readonly inTransaction = false,
    private readonly hub: EventHub = new EventHub(),
  ) {
    this.exclusive = kind === 'sqlite';
    this.groupCommit =
      kind === 'sqlite' && !inTransaction
        ? new GroupCommit<KyselyStore>(db, (trx) => new KyselyStore(trx, kind, true, hub))
        : null;
  }

  /**
   * Runs fn in a transaction (READ COMMITTED on PostgreSQL). Inside fn use only `tx`: on
   * SQLite the single connection belongs to the transaction, so a call on the outer store
   * would wait for the transaction to end, which waits for fn: a deadlock.
   */
  async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    if (this.inTransaction) return fn(this);
    // Each attempt gets its own transaction-bound store, so the events of an attempt that
    // rolled back are dropped with it; they are written as the body's last statement.
    const body = async (tx: KyselyStore) => {
      const value = await fn(tx);
      return { value, events: await tx.flushEvents() };
    };
    // SQLite: concurrent transactions share one commit (see GroupCommit). PostgreSQL runs
    // them concurrently on the pool and groups commits itself.
    const { value, events: committed } = this.groupCommit
      ? await this.groupCommit.run(body)
      : await this.db.transaction().execute((trx) => body(new KyselyStore(trx, this.kind, true, this.hub)));
    this.hub.publish(committed);
    return value;
  }

  /**
   * A hot read outside a transaction. On SQLite it joins the next group commit instead of
   * running as a statement of its own: an autocommit statement is a read transaction of its
   * own (the WAL read lock taken and let go), and that was most of its cost. Measured on one
   * connection: the join lookup took 6.9–9.4 µs alone and 0.8 µs inside a transaction.
   * Reads that arrive in one turn of the event loop share one BEGIN … COMMIT with each other
   * and with the writes of that turn, and each sees what every earlier commit wrote.
   */
  private sharedRead<T>(read: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    if (!this.groupCommit) return read(this.db);
    return this.groupCommit.run((tx) => read(tx.db));
  }

  private async flushEvents(): Promise<FleetEvent[]> {
    const recorded = this.recorded;
    this.recorded = [];
    return events.insertEvents(this.db, this.kind, recorded);
  }

  async lockCapacity(): Promise<void> {
    // Outside a transaction the lock would end with its own statement: a caller bug.
    if (!this.inTransaction) throw new Error('lockCapacity() must be called inside transaction()');
    // SQLite: nothing to do. The single better-sqlite3 connection runs one transaction at a
    // time (Kysely queues the rest), so capacity decisions are already serial.
    if (this.kind === 'postgres')
      await sql`SELECT pg_advisory_xact_lock(${sql.lit(CAPACITY_LOCK_KEY)})`.execute(this.db);
  }

  // ---- servers ----
  insertServer(server: Server): Promise<void> {
    return servers.insertServer(this.db, server);
  }
  getServer(id: string): Promise<Server | null> {
    return this.sharedRead((db) => servers.getServer(db, id));
  }
  findActiveServerByIp(ip: string): Promise<Server | null> {
    return this.sharedRead((db) => servers.findActiveServerByIp(db, ip));
  }
  listServers(states?: readonly ServerState[]): Promise<Server[]> {
    // Outside a transaction (the reconciler's listing) in pages, letting requests through.
    if (!this.inTransaction) return listServersPaged(this.db, this.kind, states);
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
  claimReadyServer(nowMs: number, heardSinceMs?: number): Promise<Server | null> {
    return servers.claimReadyServer(this.db, this.kind, nowMs, heardSinceMs);
  }

  // ---- sessions ----
  insertSession(session: Session): Promise<boolean> {
    return sessions.insertSession(this.db, this.kind, session);
  }
  getSession(id: string): Promise<Session | null> {
    return this.sharedRead((db) => sessions.getSession(db, id));
  }
  findLiveSessionByCode(code: string): Promise<Session | null> {
    return this.sharedRead((db) => sessions.findLiveSessionByCode(db, code));
  }
  findLiveSessionByServer(serverId: string): Promise<Session | null> {
    return this.sharedRead((db) => sessions.findLiveSessionByServer(db, serverId));
  }
  findJoinAddress(code: string): Promise<string | null> {
    return this.sharedRead((db) => sessions.findJoinAddress(db, this.kind, code));
  }
  listSessions(states: readonly SessionState[]): Promise<Session[]> {
    if (!this.inTransaction) return listSessionsPaged(this.db, this.kind, states);
    return sessions.listSessions(this.db, states);
  }
  countSessions(states: readonly SessionState[]): Promise<number> {
    return sessions.countSessions(this.db, states);
  }
  assignOldestPending(serverId: string, nowMs: number): Promise<Session | null> {
    return sessions.assignOldestPending(this.db, this.kind, serverId, nowMs);
  }
  endSession(id: string, from: readonly SessionState[], reason: EndReason, nowMs: number): Promise<Session | null> {
    return sessions.endSession(this.db, id, from, reason, nowMs);
  }
  touchSessionPlayed(serverId: string, nowMs: number): Promise<void> {
    return sessions.touchSessionPlayed(this.db, this.kind, serverId, nowMs);
  }

  // ---- idempotency keys, replay cache, rate counters, meta ----
  getIdempotentSession(key: string, nowMs: number): Promise<string | null> {
    return cache.getIdempotentSession(this.db, key, nowMs);
  }
  putIdempotencyKey(key: string, sessionId: string, nowMs: number, expiresAtMs: number): Promise<string> {
    return cache.putIdempotencyKey(this.db, key, sessionId, nowMs, expiresAtMs);
  }
  // The two writes every signed request and every start make: on SQLite they join the next
  // group commit instead of paying for a commit each.
  rememberSignature(signature: string, nowMs: number, expiresAtMs: number): Promise<boolean> {
    if (this.groupCommit) return this.groupCommit.run((tx) => tx.rememberSignature(signature, nowMs, expiresAtMs));
    return cache.rememberSignature(this.db, this.kind, signature, nowMs, expiresAtMs);
  }
  hitCounter(key: string, windowMs: number, nowMs: number, by = 1): Promise<number> {
    if (this.groupCommit) return this.groupCommit.run((tx) => tx.hitCounter(key, windowMs, nowMs, by));
    return cache.hitCounter(this.db, key, windowMs, nowMs, by);
  }
  peekCounter(key: string, windowMs: number, nowMs: number): Promise<number> {
    return cache.peekCounter(this.db, key, windowMs, nowMs);
  }
  purgeExpired(nowMs: number): Promise<number> {
    // Outside a transaction, requests get the connection between batches.
    return cache.purgeExpired(this.db, nowMs, this.inTransaction ? undefined : letEventLoopRun);
  }
  getMeta(key: string): Promise<string | null> {
    return cache.getMeta(this.db, key);
  }
  setMetaIfAbsent(key: string, value: string): Promise<string> {
    return cache.setMetaIfAbsent(this.db, key, value);
  }

  // ---- the outbox ----
  recordEvent(event: NewEvent): void {
    // Outside a transaction there is no commit to ride on: a caller bug, loudly.
    if (!this.inTransaction) throw new Error('recordEvent() must be called inside transaction()');
    this.recorded.push(event);
  }
  listEvents(afterId: number, limit: number): Promise<FleetEvent[]> {
    return events.listEvents(this.db, afterId, limit);
  }
  lastEventId(): Promise<number> {
    return events.lastEventId(this.db);
  }
  pruneEvents(olderThanMs: number, keepRows: number, batch: number): Promise<number> {
    return events.pruneEvents(this.db, olderThanMs, keepRows, batch);
  }
  onEvents(listener: (events: readonly FleetEvent[]) => void): () => void {
    return this.hub.subscribe(listener);
  }

  // ---- counts and leases ----
  countMachines(): Promise<number> {
    return servers.countMachines(this.db);
  }
  countOnTheWay(nowMs: number): Promise<number> {
    return servers.countOnTheWay(this.db, nowMs);
  }
  renewServerLease(serverId: string, owner: string, untilMs: number): Promise<boolean> {
    return servers.renewServerLease(this.db, serverId, owner, untilMs);
  }
  renewSessionLease(sessionId: string, owner: string, untilMs: number): Promise<boolean> {
    return sessions.renewSessionLease(this.db, sessionId, owner, untilMs);
  }
  async expireForeignLeases(owner: string): Promise<number> {
    let n = 0;
    for (const [table, state] of [
      ['servers', 'creating'],
      ['sessions', 'pending'],
    ] as const) {
      const res = await sql`UPDATE ${sql.table(table)} SET lease_until = 0
        WHERE state = ${state} AND (owner IS NULL OR owner <> ${owner})`.execute(this.db);
      n += Number(res.numAffectedRows ?? 0);
    }
    return n;
  }
  listAbandonedPending(nowMs: number): Promise<Session[]> {
    return sessions.listAbandonedPending(this.db, nowMs);
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

  countMadeServers(states: readonly ServerState[]): Promise<number> {
    return servers.countMadeServers(this.db, states);
  }

  recordHeartbeatByIp(ip: string, players: number, nowMs: number): Promise<Server | null> {
    return servers.recordHeartbeatByIp(this.db, this.kind, ip, players, nowMs);
  }

  /** Closes the pool or file. Only the store that opened the database may close it. */
  async close(): Promise<void> {
    if (this.inTransaction) throw new Error('close() called on a transaction');
    // What was queued before the close is answered, not cut off (reads queue here too).
    await this.groupCommit?.settled();
    await this.db.destroy();
  }

  // ---- who asked for each session (migration 0008) ----
  holdSession(sessionId: string, holder: string): Promise<void> {
    return holders.holdSession(this.db, sessionId, holder);
  }
  countLiveHeld(holder: string): Promise<number> {
    return holders.countLiveHeld(this.db, holder);
  }

  // ---- the /v1 API (migration 0004) ----
  setMeta(key: string, value: string): Promise<void> {
    return v1.setMeta(this.db, key, value);
  }
  setSessionDetails(id: string, details: SessionDetails): Promise<void> {
    return v1.setSessionDetails(this.db, id, details);
  }
  getDetailedSession(id: string): Promise<DetailedSession | null> {
    return this.sharedRead((db) => v1.getDetailedSession(db, id));
  }
  findSessionByCode(code: string): Promise<DetailedSession | null> {
    return this.sharedRead((db) => v1.findSessionByCode(db, code));
  }
  pageSessions(q: SessionPageQuery): Promise<SessionPage> {
    return v1.pageSessions(this.db, q);
  }
  pageServers(q: ServerPageQuery): Promise<ServerPage> {
    return v1.pageServers(this.db, q);
  }

  // ---- webhook delivery state ----
  webhooks(): WebhookLedger {
    return new KyselyWebhookLedger(this.db);
  }

  listSessionsStartedSince(sinceMs: number): Promise<Session[]> {
    return sessions.listSessionsStartedSince(this.db, sinceMs);
  }
}
