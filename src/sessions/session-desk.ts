import { OrchestratorError, Refusal } from '../domain/errors.js';
import type { Holder } from '../guard/session-caps.js';
import { ACTIVE_SERVER_STATES, EXTERNAL_ORIGIN, ServerState, type Server } from '../domain/server.js';
import { EndReason, SessionState } from '../domain/session.js';
import { normalizeShareCode } from '../domain/share-code.js';
import { Rollback, rollBack, type Store, type Tx } from '../store/store.js';
import type {
  DetailedSession,
  PageCursor,
  ServerPageQuery,
  SessionDetails,
  SessionPageQuery,
} from '../store/v1-types.js';
import type { Clock } from '../util/clock.js';
import type { Log } from '../util/log.js';
import { effectivePoolSettings, mergePoolSettings, POOL_SETTINGS_KEY, type PoolSettings } from './pool-settings.js';
import type { ServerOps } from '../fleet/server-ops.js';
import type { SessionService } from './session-service.js';
import type { SessionWaiter } from './session-waiter.js';

/** A session and the server holding it (null while pending, or when gone). */
export interface SessionSnapshot {
  session: DetailedSession;
  server: Server | null;
}

export interface SessionDeskOptions {
  /** How often a long-poll re-reads the store (other replicas' changes). */
  pollMs: number;
  /** The configured pool settings; MAX_SERVERS is the hard cap. */
  pool: PoolSettings;
}

/**
 * The /v1 API's use cases beyond the original's five: looking sessions up, waiting for them,
 * joining with a capacity check, and the operator verbs. Starts, heartbeats and ends go
 * through SessionService, so the rules stay in one place.
 */
export class SessionDesk {
  constructor(
    private readonly store: Store,
    private readonly service: SessionService,
    private readonly ops: ServerOps,
    private readonly waiter: SessionWaiter,
    private readonly clock: Clock,
    private readonly log: Log,
    private readonly opts: SessionDeskOptions,
  ) {}

  /** Starts a session without waiting for a server; returns it as it is now. */
  async start(o: { idempotencyKey?: string; details: SessionDetails; holder?: Holder }): Promise<SessionSnapshot> {
    const { sessionId } = await this.service.startNoWait(o);
    return this.snapshotById(sessionId);
  }

  /** The session a share code names (the live one, else the latest ended one). */
  async byCode(code: string): Promise<SessionSnapshot> {
    const normalized = normalizeShareCode(code);
    const session = normalized ? await this.store.findSessionByCode(normalized) : null;
    if (!session) throw new OrchestratorError('not_found', 'No session has this code');
    return this.withServer(session);
  }

  /**
   * Long-poll: waits (at most waitMs) while the session is in `whileState`, then returns it.
   * Woken at once by changes made on this replica; re-reads every pollMs for other replicas'.
   */
  async waitWhile(
    code: string,
    whileState: SessionState,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<SessionSnapshot> {
    let snap = await this.byCode(code);
    const deadline = this.clock.now() + waitMs;
    while (snap.session.state === whileState && this.clock.now() < deadline && !signal?.aborted) {
      const ac = new AbortController();
      const stop = () => ac.abort();
      signal?.addEventListener('abort', stop, { once: true });
      const sleepMs = Math.min(this.opts.pollMs, deadline - this.clock.now());
      await Promise.race([this.waiter.wait(snap.session.id, ac.signal), this.clock.sleep(sleepMs, ac.signal)]);
      ac.abort();
      signal?.removeEventListener('abort', stop);
      snap = await this.snapshotById(snap.session.id);
    }
    return snap;
  }

  /**
   * A player joins by code: refused while the session waits for its server (not ready), when
   * the server reports max_players or more, and when the session ended. The address comes
   * from SessionService.join, the original's rule.
   */
  async join(code: string): Promise<SessionSnapshot> {
    const snap = await this.byCode(code);
    const { session, server } = snap;
    if (session.state === SessionState.Ended) throw new OrchestratorError('not_found', 'No session has this code');
    if (session.state === SessionState.Pending) {
      throw new Refusal('conflict', 'session_not_ready', 'The session is still waiting for its server; retry shortly');
    }
    if (session.maxPlayers !== null && server && server.players >= session.maxPlayers) {
      throw new Refusal(
        'conflict',
        'session_full',
        `The session is full (${server.players} of ${session.maxPlayers} players)`,
      );
    }
    await this.service.join(session.code);
    return snap;
  }

  /** Operator: ends a live session (cancelled) and releases its server, in one transaction. */
  async endSession(code: string): Promise<SessionSnapshot> {
    const found = await this.byCode(code);
    if (found.session.state === SessionState.Ended)
      throw new Refusal('conflict', 'session_ended', 'The session has already ended');
    // The one verb: ends it (event, waiter woken after commit) and settles its server.
    const ended = await this.ops.endSessionNow(found.session, EndReason.Cancelled);
    if (!ended) throw new Refusal('conflict', 'session_ended', 'The session has already ended');
    this.afterRelease(ended.server);
    return this.snapshotById(found.session.id);
  }

  /**
   * Operator: takes a server out of the pool without hurting a game. A server without a live
   * session is shut down now; one holding a session is refused (end the session, or delete
   * the server).
   */
  async drainServer(id: string): Promise<Server> {
    const server = await this.requireServer(id);
    if (await this.store.findLiveSessionByServer(id)) {
      throw new Refusal(
        'conflict',
        'server_busy',
        'The server holds a live session; end the session first, or delete the server',
      );
    }
    return this.shutDown(server, 'drained by an operator', [
      ServerState.Creating,
      ServerState.Starting,
      ServerState.Ready,
    ]);
  }

  /** Operator: ends the server's session (if any) and deletes the machine. */
  async deleteServer(id: string): Promise<Server> {
    await this.requireServer(id);
    const from = [...ACTIVE_SERVER_STATES, ServerState.Unhealthy, ServerState.Error];
    const s = await this.store.transaction(async (tx) => {
      const session = await tx.findLiveSessionByServer(id);
      if (session) await this.ops.endSession(tx, session, EndReason.Cancelled);
      const current = await tx.getServer(id);
      return current ? this.shutDownIn(tx, current, 'deleted by an operator', from) : null;
    });
    if (s instanceof Rollback) throw s.reason;
    if (!s) throw new OrchestratorError('not_found', 'No server has this id');
    this.afterRelease(s);
    return s;
  }

  async getServer(id: string): Promise<Server> {
    return this.requireServer(id);
  }

  listSessions(q: SessionPageQuery) {
    return this.store.pageSessions(q);
  }

  listServers(q: ServerPageQuery) {
    return this.store.pageServers(q);
  }

  /** The pool settings in force (configured, overlaid with run-time changes). */
  pool(): Promise<PoolSettings> {
    return effectivePoolSettings(this.store, this.opts.pool);
  }

  /** Changes pool settings at run time; stored, so every replica and the reconciler see them. */
  async setPool(change: Partial<PoolSettings>): Promise<PoolSettings> {
    const next = mergePoolSettings(await this.pool(), change, this.opts.pool.maxServers);
    await this.store.setMeta(POOL_SETTINGS_KEY, JSON.stringify(next));
    this.log.info({ ...next }, 'pool settings changed by an operator');
    return next;
  }

  /** Game server (by id, with its own credential): heartbeat, or ready, through SessionService. */
  async serverHeartbeat(id: string, players: number, address?: string): Promise<SessionSnapshot | null> {
    const server = await this.requireServer(id);
    const ip = server.ip ?? address;
    if (!ip) throw new OrchestratorError('invalid_input', 'This server has no address yet: send `address`');
    await this.service.heartbeat({ serverId: id }, ip, players);
    const session = await this.store.findLiveSessionByServer(id);
    return session ? this.snapshotById(session.id) : null;
  }

  /** Game server: its game is over; SessionService.end ends the session and releases it. */
  async serverEnd(id: string): Promise<{ external: boolean }> {
    const server = await this.requireServer(id);
    const session = await this.store.findLiveSessionByServer(id);
    const r = await this.service.end({ serverId: id }, server.ip ?? '');
    if (session) this.waiter.notify(session.id);
    return r;
  }

  /** A cursor as an opaque string, and back (null when it does not parse). */
  static encodeCursor(c: PageCursor): string {
    return Buffer.from(JSON.stringify([c.createdAtMs, c.id])).toString('base64url');
  }
  static decodeCursor(s: string): PageCursor | null {
    try {
      const v = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as unknown;
      if (
        Array.isArray(v) &&
        v.length === 2 &&
        Number.isSafeInteger(v[0]) &&
        typeof v[1] === 'string' &&
        v[1].length <= 64
      ) {
        return { createdAtMs: v[0] as number, id: v[1] };
      }
    } catch {
      /* not a cursor */
    }
    return null;
  }

  private async snapshotById(id: string): Promise<SessionSnapshot> {
    const session = await this.store.getDetailedSession(id);
    if (!session) throw new OrchestratorError('not_found', 'No such session');
    return this.withServer(session);
  }

  private async withServer(session: DetailedSession): Promise<SessionSnapshot> {
    const server = session.serverId ? await this.store.getServer(session.serverId) : null;
    return { session, server };
  }

  private async requireServer(id: string): Promise<Server> {
    const server = id.length <= 64 ? await this.store.getServer(id) : null;
    if (!server) throw new OrchestratorError('not_found', 'No server has this id');
    return server;
  }

  private async shutDown(server: Server, reason: string, from: readonly ServerState[]): Promise<Server> {
    const s = await this.store.transaction((tx) => this.shutDownIn(tx, server, reason, from));
    if (s instanceof Rollback) throw s.reason;
    this.afterRelease(s);
    return s;
  }

  /** Through the one checked move; the caller deletes the machine after its commit. */
  private async shutDownIn(
    tx: Tx,
    server: Server,
    reason: string,
    from: readonly ServerState[],
  ): Promise<Server | Rollback<Refusal>> {
    if (server.state === ServerState.Shutdown || server.state === ServerState.Deleted) return server;
    const to = server.origin === EXTERNAL_ORIGIN ? ServerState.Deleted : ServerState.Shutdown;
    const s = from.includes(server.state) ? await this.ops.move(tx, server.id, [server.state], to, { reason }) : null;
    if (!s) {
      const why = `The server is ${server.state} and changed meanwhile, or cannot be drained; retry`;
      return rollBack(new Refusal('conflict', 'server_busy', why));
    }
    return s;
  }

  /** Deletes a shut-down server's machine after commit; the reconciler retries what fails. */
  private afterRelease(server: Server | null): void {
    if (server?.state === ServerState.Shutdown) void this.ops.teardown(server);
  }
}
