import type { ExpressionBuilder, Kysely } from 'kysely';
import type { FleetEvent } from '../domain/events.js';
import type { Server, ServerState } from '../domain/server.js';
import type { Session, SessionState } from '../domain/session.js';
import * as cache from './cache-queries.js';
import type { Bucket } from './cache-queries.js';
import type { Database, DialectKind } from './db-schema.js';
import { EventHub } from './event-hub.js';
import * as events from './event-queries.js';
import * as history from './history-queries.js';
import { GroupCommit } from './group-commit.js';
import { KyselyTx } from './kysely-tx.js';
import { KyselyVerbs } from './kysely-verbs.js';
import type { JobSavepoints } from './sqlite-statement-cache.js';
import { listServersPaged, listSessionsPaged } from './paged-listing.js';
import { Rollback, type Store, type Tx, type WarmStartInput, type WarmStarted } from './store.js';
import { startOnReadyServer } from './warm-start-queries.js';
import {
  reserveSeatInOneStatement,
  seatReservedEvent,
  type SeatReservation,
  type SeatReserved,
} from './seat-reserve-queries.js';
import type { DetailedSession } from './v1-types.js';
import { KyselyWebhookLedger } from './webhook-queries.js';
import type { WebhookLedger } from '../webhooks/webhook-ledger.js';
import { letEventLoopRun } from '../util/time-slice.js';

/** What a body left for after its commit: its value and the events it wrote. */
interface Committed<T> {
  value: T;
  events: FleetEvent[];
}

/** Carries a Rollback out of a PostgreSQL transaction, rolling it back. */
class RolledBack extends Error {
  constructor(readonly refusal: Rollback) {
    super('refused');
  }
}

/**
 * The Store over Kysely, for SQLite and PostgreSQL alike: the statements on the database
 * (KyselyVerbs), transactions that hand their bodies a KyselyTx, and on SQLite the group
 * commit that reads and transactions share.
 */
export class KyselyStore extends KyselyVerbs implements Store {
  private readonly groupCommit: GroupCommit<KyselyTx> | null;
  private readonly hub = new EventHub();
  readonly exclusive: boolean;

  /** `savepoints`: SQLite's (from openDatabase); without them there is no group commit. */
  constructor(db: Kysely<Database>, kind: DialectKind, savepoints?: JobSavepoints) {
    super(db, kind);
    this.exclusive = kind === 'sqlite';
    this.groupCommit = savepoints ? new GroupCommit(db, (conn) => new KyselyTx(conn, kind), savepoints) : null;
    if (kind === 'postgres') {
      this.startOnReadyServer = async (start) => {
        const done = await startOnReadyServer(db, start);
        if (done) this.hub.publish(done.events);
        return done;
      };
    }
  }

  /**
   * Transactions begun so far, the bodies they carried (SQLite: how well commits are shared),
   * and the per-job savepoints taken.
   */
  commitStats(): { commits: number; jobs: number; savepoints: number } {
    const gc = this.groupCommit;
    return { commits: gc?.commits ?? 0, jobs: gc?.jobs ?? 0, savepoints: gc?.savepointsTaken ?? 0 };
  }

  /**
   * READ COMMITTED on PostgreSQL. The body's events are written as its last statement, so those
   * of a body rolled back go with it.
   */
  async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const body = async (tx: KyselyTx): Promise<Committed<T> | Rollback> => {
      const value = await fn(tx);
      if (value instanceof Rollback) return value;
      return { value, events: await tx.flushEvents() };
    };
    // SQLite: concurrent transactions share one commit (see GroupCommit). PostgreSQL runs
    // them concurrently on the pool and groups commits itself.
    const done = this.groupCommit ? await this.groupCommit.run(body) : await this.pgTransaction(body);
    if (done instanceof Rollback) return done as T;
    this.hub.publish(done.events);
    return done.value;
  }

  /** PostgreSQL only (see Store.startOnReadyServer): one statement, one round trip. */
  readonly startOnReadyServer?: (start: WarmStartInput) => Promise<WarmStarted | null>;

  async reserveSeat(r: SeatReservation): Promise<SeatReserved | null> {
    const done = this.kind === 'postgres' ? await this.reserveSeatPg(r) : await this.reserveSeatRows(r);
    if (done) this.hub.publish(done.events);
    return done;
  }

  /** PostgreSQL: the one statement; a renewal (its UPDATE and its event) in a transaction of its own. */
  private async reserveSeatPg(r: SeatReservation): Promise<SeatReserved | null> {
    const done = r.renew === 'only' ? 'held' : await reserveSeatInOneStatement(this.db, r);
    if (done !== 'held') return done;
    if (!r.renew) return null;
    const renewed = await this.pgTransaction(async (tx) => {
      const held = await tx.renewSeat(r.sessionId, r.playerId, r.nowMs, r.deadlineAtMs);
      if (!held) return null;
      tx.recordEvent(seatReservedEvent(r, true));
      return { isPublic: false, held, events: await tx.flushEvents() };
    });
    return renewed instanceof Rollback ? null : renewed;
  }

  /**
   * SQLite: the player's held seat renewed, or the seat's row (if there is room) and its count;
   * then its event. Refuses before writing, so no savepoint.
   */
  private reserveSeatRows(r: SeatReservation): Promise<SeatReserved | null> {
    const body = async (tx: KyselyTx): Promise<SeatReserved | null> => {
      const seated = await tx.reserveSeatRows(r);
      if (!seated) return null;
      tx.recordEvent(seatReservedEvent(r, seated.held !== undefined));
      return { ...seated, events: await tx.flushEvents() };
    };
    if (this.groupCommit) return this.groupCommit.run(body, { refusesBeforeWriting: true });
    return this.db.transaction().execute((trx) => body(new KyselyTx(trx, this.kind)));
  }

  private async pgTransaction<T>(body: (tx: KyselyTx) => Promise<T | Rollback>): Promise<T | Rollback> {
    try {
      return await this.db.transaction().execute(async (trx) => {
        const out = await body(new KyselyTx(trx, this.kind));
        if (out instanceof Rollback) throw new RolledBack(out);
        return out;
      });
    } catch (err) {
      if (err instanceof RolledBack) return err.refusal;
      throw err;
    }
  }

  /**
   * A hot read outside a transaction. On SQLite it joins the next group commit instead of
   * running as a statement of its own: an autocommit statement is a read transaction of its
   * own (the WAL read lock taken and let go), and that was most of its cost. Measured on one
   * connection: the join lookup took 6.9–9.4 µs alone and 0.8 µs inside a transaction.
   * Reads that arrive in one turn of the event loop share one BEGIN … COMMIT with each other
   * and with the writes of that turn, and each sees what every earlier commit wrote.
   */
  private sharedRead<T>(read: (tx: KyselyTx) => Promise<T>): Promise<T> {
    if (!this.groupCommit) return read(new KyselyTx(this.db, this.kind));
    // Reads, or one statement that writes (atomic by itself in SQLite): no savepoint (see GroupCommit).
    return this.groupCommit.run(read, { atomic: true });
  }

  override getServer(id: string): Promise<Server | null> {
    return this.sharedRead((tx) => tx.getServer(id));
  }
  override findActiveServerByIp(ip: string): Promise<Server | null> {
    return this.sharedRead((tx) => tx.findActiveServerByIp(ip));
  }
  override getSession(id: string): Promise<Session | null> {
    return this.sharedRead((tx) => tx.getSession(id));
  }
  override findLiveSessionByCode(code: string): Promise<Session | null> {
    return this.sharedRead((tx) => tx.findLiveSessionByCode(code));
  }
  override findLiveSessionByServer(serverId: string): Promise<Session | null> {
    return this.sharedRead((tx) => tx.findLiveSessionByServer(serverId));
  }
  override findJoinAddress(code: string): Promise<string | null> {
    return this.sharedRead((tx) => tx.findJoinAddress(code));
  }
  override getDetailedSession(id: string): Promise<DetailedSession | null> {
    return this.sharedRead((tx) => tx.getDetailedSession(id));
  }
  override findSessionByCode(code: string): Promise<DetailedSession | null> {
    return this.sharedRead((tx) => tx.findSessionByCode(code));
  }
  // Every /v1 join and lookup: both reads in one shared read, not one after the other's commit.
  override findSessionAndServerByCode(
    code: string,
  ): Promise<{ session: DetailedSession; server: Server | null } | null> {
    return this.sharedRead((tx) => tx.findSessionAndServerByCode(code));
  }
  // The two writes every signed request and every start make: on SQLite they join the next
  // group commit instead of paying for a commit each.
  override rememberSignature(signature: string, nowMs: number, expiresAtMs: number): Promise<boolean> {
    return this.sharedRead((tx) => tx.rememberSignature(signature, nowMs, expiresAtMs));
  }
  override leakHit(key: string, bucket: Bucket, nowMs: number, by = 1): Promise<number> {
    return this.sharedRead((tx) => tx.leakHit(key, bucket, nowMs, by));
  }
  // Every join reads its address's guess count: a read like the code lookup after it.
  override leakLevel(key: string, bucket: Bucket, nowMs: number): Promise<number> {
    return this.sharedRead((tx) => tx.leakLevel(key, bucket, nowMs));
  }
  // Listings outside a transaction (the reconciler's) go in pages, letting requests through.
  override listServers(states?: readonly ServerState[]): Promise<Server[]> {
    return listServersPaged(this.db, this.kind, states);
  }
  override listSessions(states: readonly SessionState[]): Promise<Session[]> {
    return listSessionsPaged(this.db, this.kind, states);
  }

  purgeExpired(nowMs: number): Promise<number> {
    // Requests get the connection between batches.
    return cache.purgeExpired(this.db, nowMs, letEventLoopRun);
  }
  listEvents(afterId: number, limit: number): Promise<FleetEvent[]> {
    return events.listEvents(this.db, this.kind, afterId, limit);
  }
  recentEvents(upToId: number, limit: number): Promise<FleetEvent[]> {
    return events.recentEvents(this.db, upToId, limit);
  }
  lastEventId(): Promise<number> {
    return events.lastEventId(this.db, this.kind);
  }
  pruneEvents(olderThanMs: number, keepRows: number, batch: number): Promise<number> {
    return events.pruneEvents(this.db, this.kind, olderThanMs, keepRows, batch);
  }
  pruneEndedSessions(endedBeforeMs: number, batch: number): Promise<number> {
    return history.pruneEndedSessions(this.db, endedBeforeMs, batch);
  }
  onEvents(listener: (events: readonly FleetEvent[]) => void): () => void {
    return this.hub.subscribe(listener);
  }
  async expireForeignLeases(owner: string): Promise<number> {
    const foreign = (eb: ExpressionBuilder<Database, 'servers' | 'sessions'>) =>
      eb.or([eb('owner', 'is', null), eb('owner', '<>', owner)]);
    const servers = await this.db
      .updateTable('servers')
      .set({ lease_until: 0 })
      .where('state', '=', 'creating')
      .where(foreign)
      .executeTakeFirst();
    const sessions = await this.db
      .updateTable('sessions')
      .set({ lease_until: 0 })
      .where('state', '=', 'pending')
      .where(foreign)
      .executeTakeFirst();
    return Number(servers.numUpdatedRows) + Number(sessions.numUpdatedRows);
  }
  webhooks(): WebhookLedger {
    return new KyselyWebhookLedger(this.db);
  }

  async close(): Promise<void> {
    await this.groupCommit?.settled();
    await this.db.destroy();
  }
}
