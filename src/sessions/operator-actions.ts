import { OrchestratorError, Refusal } from '../domain/errors.js';
import { ACTIVE_SERVER_STATES, EXTERNAL_ORIGIN, ServerState, type Server } from '../domain/server.js';
import { EndReason, SessionState } from '../domain/session.js';
import { Rollback, rollBack, type Tx } from '../store/store.js';
import type { ServerPageQuery, SessionPageQuery } from '../store/v1-types.js';
import type { FindSession, SessionSnapshot } from './find-session.js';
import type { SessionDeps } from './session-deps.js';

/** The operator's verbs on sessions and servers (/v1's admin routes, the CLI through them). */
export class OperatorActions {
  constructor(
    private readonly deps: SessionDeps,
    private readonly find: FindSession,
  ) {}

  /** Ends a live session (cancelled) and releases its server, in one transaction. */
  async endSession(code: string): Promise<SessionSnapshot> {
    const found = await this.find.byCode(code);
    if (found.session.state === SessionState.Ended)
      throw new Refusal('conflict', 'session_ended', 'The session has already ended');
    // The one verb: ends it (event, waiter woken after commit) and settles its server.
    const ended = await this.deps.ops.endSessionNow(found.session, EndReason.Cancelled);
    if (!ended) throw new Refusal('conflict', 'session_ended', 'The session has already ended');
    this.afterRelease(ended.server);
    return this.find.byId(found.session.id);
  }

  /**
   * Takes a server out of the pool without hurting a game. A server without a live session
   * is shut down now; one holding a session is refused (end the session, or delete the server).
   */
  async drainServer(id: string): Promise<Server> {
    const server = await this.getServer(id);
    if (await this.deps.store.findLiveSessionByServer(id)) {
      throw new Refusal(
        'conflict',
        'server_busy',
        'The server holds a live session; end the session first, or delete the server',
      );
    }
    const from = [ServerState.Creating, ServerState.Starting, ServerState.Ready];
    const s = await this.deps.store.transaction((tx) => this.shutDownIn(tx, server, 'drained by an operator', from));
    if (s instanceof Rollback) throw s.reason;
    if (s !== server) this.afterRelease(s);
    return s;
  }

  /** Ends the server's session (if any) and deletes the machine. */
  async deleteServer(id: string): Promise<Server> {
    await this.getServer(id);
    const from = [...ACTIVE_SERVER_STATES, ServerState.Unhealthy, ServerState.Error];
    const s = await this.deps.store.transaction(async (tx) => {
      const session = await tx.findLiveSessionByServer(id);
      if (session) await this.deps.ops.endSession(tx, session, EndReason.Cancelled);
      const current = await tx.getServer(id);
      return current ? this.shutDownIn(tx, current, 'deleted by an operator', from) : null;
    });
    if (s instanceof Rollback) throw s.reason;
    if (!s) throw new OrchestratorError('not_found', 'No server has this id');
    // After commit: the machine is deleted (a transaction body may run twice).
    this.afterRelease(s);
    return s;
  }

  async getServer(id: string): Promise<Server> {
    const server = id.length <= 64 ? await this.deps.store.getServer(id) : null;
    if (!server) throw new OrchestratorError('not_found', 'No server has this id');
    return server;
  }

  listSessions(q: SessionPageQuery) {
    return this.deps.store.pageSessions(q);
  }

  listServers(q: ServerPageQuery) {
    return this.deps.store.pageServers(q);
  }

  /** Through the one checked move; the caller deletes the machine after commit. */
  private async shutDownIn(
    tx: Tx,
    server: Server,
    reason: string,
    from: readonly ServerState[],
  ): Promise<Server | Rollback<Refusal>> {
    if (server.state === ServerState.Shutdown || server.state === ServerState.Deleted) return server;
    const to = server.origin === EXTERNAL_ORIGIN ? ServerState.Deleted : ServerState.Shutdown;
    const s = from.includes(server.state)
      ? await this.deps.ops.move(tx, server.id, [server.state], to, { reason })
      : null;
    if (!s) {
      const why = `The server is ${server.state} and changed meanwhile, or cannot be drained; retry`;
      return rollBack(new Refusal('conflict', 'server_busy', why));
    }
    return s;
  }

  /** Deletes a shut-down server's machine after commit; the reconciler retries what fails. */
  private afterRelease(server: Server | null): void {
    if (server?.state === ServerState.Shutdown) void this.deps.ops.teardown(server);
  }
}
