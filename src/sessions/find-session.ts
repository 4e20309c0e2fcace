import { OrchestratorError, Refusal } from '../domain/errors.js';
import type { Server } from '../domain/server.js';
import { SessionState } from '../domain/session.js';
import { normalizeShareCode } from '../domain/share-code.js';
import type { DetailedSession } from '../store/v1-types.js';
import type { SessionDeps } from './session-deps.js';
import type { SessionWaiter } from './session-waiter.js';

/** A session and the server holding it (null while pending, or when gone). */
export interface SessionSnapshot {
  session: DetailedSession;
  server: Server | null;
}

/**
 * Looking a session up, for both APIs: the original's join (the address for a share code,
 * one statement on the hot path), /v1's lookup, long-poll and checked join.
 */
export class FindSession {
  constructor(
    private readonly deps: Pick<SessionDeps, 'store' | 'clock'>,
    private readonly waiter: SessionWaiter,
    /** How often a long-poll re-reads the store (other replicas' changes). */
    private readonly pollMs: number,
  ) {}

  /** The address for a share code; not_found for unknown, malformed or ended codes. */
  async joinAddress(code: string): Promise<{ ip: string }> {
    const normalized = normalizeShareCode(code);
    const ip = normalized ? await this.deps.store.findJoinAddress(normalized) : null;
    if (!ip) throw new OrchestratorError('not_found', 'No live session has this code');
    return { ip };
  }

  /** The session a share code names (the live one, else the latest ended one). */
  async byCode(code: string): Promise<SessionSnapshot> {
    const normalized = normalizeShareCode(code);
    const snap = normalized ? await this.deps.store.findSessionAndServerByCode(normalized) : null;
    if (!snap) throw new OrchestratorError('not_found', 'No session has this code');
    return snap;
  }

  /**
   * A player joins by code: refused while the session waits for its server (not ready), when
   * the server reports max_players or more, and when the session ended.
   */
  async join(code: string): Promise<SessionSnapshot> {
    const snap = await this.byCode(code);
    const { session, server } = snap;
    if (session.state === SessionState.Pending)
      throw new Refusal('conflict', 'session_not_ready', 'The session is still waiting for its server; retry shortly');
    if (session.state !== SessionState.Active || !server?.ip)
      throw new OrchestratorError('not_found', 'No session has this code');
    if (session.maxPlayers !== null && server.players >= session.maxPlayers) {
      throw new Refusal(
        'conflict',
        'session_full',
        `The session is full (${server.players} of ${session.maxPlayers} players)`,
      );
    }
    return snap;
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
    const { clock } = this.deps;
    let snap = await this.byCode(code);
    const deadline = clock.now() + waitMs;
    while (snap.session.state === whileState && clock.now() < deadline && !signal?.aborted) {
      const sleepMs = Math.min(this.pollMs, deadline - clock.now());
      await this.waiter.waitForChange(clock, snap.session.id, sleepMs, signal);
      snap = await this.byId(snap.session.id);
    }
    return snap;
  }

  async byId(id: string): Promise<SessionSnapshot> {
    const session = await this.deps.store.getDetailedSession(id);
    if (!session) throw new OrchestratorError('not_found', 'No such session');
    return this.withServer(session);
  }

  /** The live session a server holds, if any. */
  async liveOn(serverId: string): Promise<SessionSnapshot | null> {
    const session = await this.deps.store.findLiveSessionByServer(serverId);
    return session ? this.byId(session.id) : null;
  }

  private async withServer(session: DetailedSession): Promise<SessionSnapshot> {
    const server = session.serverId ? await this.deps.store.getServer(session.serverId) : null;
    return { session, server };
  }
}
