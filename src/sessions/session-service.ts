import { randomUUID } from 'node:crypto';
import { OrchestratorError } from '../domain/errors.js';
import { ACTIVE_SERVER_STATES, LIVE_SERVER_STATES, ServerState, type Server } from '../domain/server.js';
import { EndReason, SessionState, type Session } from '../domain/session.js';
import { generateShareCode, normalizeShareCode } from '../domain/share-code.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { Log } from '../util/log.js';
import type { ServerOps } from './server-ops.js';
import type { SessionWaiter } from './session-waiter.js';

export interface SessionServiceOptions {
  startTimeoutS: number;
  startPollMs: number;
  maxServers: number;
  idempotencyTtlS: number;
}

export interface StartResult {
  session: Session;
  server: Server;
  /** True when a ready server was handed out; false when the start waited for a new one. */
  reused: boolean;
}

/** Who is calling a server route: a per-server credential names its server. */
export interface ServerCaller {
  serverId: string | null;
}

/**
 * The use cases: start, join, heartbeat, end. HTTP adapters (the original's routes and /v1)
 * are thin layers over this; the rules live here once.
 */
export class SessionService {
  constructor(
    private readonly store: Store,
    private readonly ops: ServerOps,
    private readonly waiter: SessionWaiter,
    private readonly clock: Clock,
    private readonly log: Log,
    private readonly opts: SessionServiceOptions,
    /** Asks the reconciler for a pass soon (capacity changed). */
    private readonly reconcileSoon: () => void = () => {},
  ) {}

  /**
   * Claims a ready server at once, or waits (bounded by startTimeoutS) for one made for it.
   * The same idempotency key always yields the same session.
   */
  async start(opts: { idempotencyKey?: string } = {}): Promise<StartResult> {
    const now = this.clock.now();
    const key = opts.idempotencyKey;
    if (key) {
      const existing = await this.store.getIdempotentSession(key, now);
      if (existing) return this.awaitSession(existing);
    }
    const { session, server, created } = await this.claimOrQueue(key);
    if (session.state === SessionState.Active && server) return { session, server, reused: !session.fresh };
    for (const s of created) void this.ops.launch(s);
    if (created.length === 0) this.reconcileSoon();
    return this.awaitSession(session.id);
  }

  /** One transaction: a ready server → an active session; else a pending one plus the servers it needs. */
  private async claimOrQueue(key: string | undefined) {
    const now = this.clock.now();
    return this.store.transaction(async (tx) => {
      if (key) {
        const existing = await tx.getIdempotentSession(key, now);
        if (existing) return { session: (await tx.getSession(existing))!, server: null, created: [] as Server[] };
      }
      const server = await tx.claimReadyServer(now);
      const session = await this.insertWithFreshCode(tx, server, now);
      if (key) {
        const winner = await tx.putIdempotencyKey(key, session.id, now, now + this.opts.idempotencyTtlS * 1000);
        if (winner !== session.id) throw new OrchestratorError('conflict', 'Idempotency key raced; retry');
      }
      const created = server ? [] : await this.reserveForPending(tx);
      return { session, server, created };
    });
  }

  private async insertWithFreshCode(tx: Store, server: Server | null, now: number): Promise<Session> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const session: Session = {
        id: randomUUID(),
        code: generateShareCode(),
        state: server ? SessionState.Active : SessionState.Pending,
        serverId: server?.id ?? null,
        createdAtMs: now,
        activatedAtMs: server ? now : null,
        endedAtMs: null,
        endReason: null,
        lastPlayedAtMs: server ? now : null,
        fresh: !server,
      };
      if (await tx.insertSession(session)) return session;
    }
    throw new OrchestratorError('internal', 'Could not find a free share code');
  }

  /** Servers to make so every pending session has one on its way, within MAX_SERVERS. */
  private async reserveForPending(tx: Store): Promise<Server[]> {
    await tx.lockCapacity();
    const pending = await tx.countSessions([SessionState.Pending]);
    const onTheWay = await tx.countServers([ServerState.Creating, ServerState.Starting]);
    const live = (await tx.listServers(LIVE_SERVER_STATES)).filter((s) => s.origin !== 'external').length;
    const n = Math.max(0, Math.min(pending - onTheWay, this.opts.maxServers - live));
    return n > 0 ? this.ops.reserve(tx, n) : [];
  }

  /** Waits until the session is active (or the deadline passes, ending it with a clear reason). */
  private async awaitSession(sessionId: string): Promise<StartResult> {
    const deadline = this.clock.now() + this.opts.startTimeoutS * 1000;
    for (;;) {
      const session = await this.store.getSession(sessionId);
      if (!session) throw new OrchestratorError('not_found', 'Session not found');
      if (session.state === SessionState.Active && session.serverId) {
        const server = await this.store.getServer(session.serverId);
        if (server) return { session, server, reused: !session.fresh };
      }
      if (session.state === SessionState.Ended) {
        // A key re-sent after its session was played and ended: a 503 with Retry-After would
        // be false ("before a server was ready") and invite retrying the same key forever.
        if (session.activatedAtMs !== null) {
          throw new OrchestratorError('conflict', `This session has ended (${session.endReason}); start a new one with a new Idempotency-Key`);
        }
        throw new OrchestratorError('start_timeout', `Session ended before a server was ready (${session.endReason})`, 5);
      }
      if (this.clock.now() >= deadline) return this.giveUp(sessionId);
      await this.tryClaimFor(sessionId);
      const ac = new AbortController();
      await Promise.race([this.waiter.wait(sessionId, ac.signal), this.clock.sleep(this.opts.startPollMs, ac.signal)]);
      ac.abort();
    }
  }

  /** A ready server that appeared without being offered (another replica, a race) is taken here. */
  private async tryClaimFor(sessionId: string): Promise<void> {
    const now = this.clock.now();
    await this.store.transaction(async (tx) => {
      const session = await tx.getSession(sessionId);
      if (session?.state !== SessionState.Pending) return;
      const server = await tx.claimReadyServer(now);
      if (!server) return;
      const s = await tx.assignOldestPending(server.id, now);
      if (!s) await tx.transitionServer(server.id, [ServerState.Allocated], ServerState.Ready, {}, now);
      else if (s.id !== sessionId) this.waiter.notify(s.id);
    });
  }

  private async giveUp(sessionId: string): Promise<StartResult> {
    const ended = await this.store.endSession(sessionId, [SessionState.Pending], EndReason.StartTimeout, this.clock.now());
    if (!ended) {
      // It became active in the last moment: hand it out rather than lose it.
      const s = await this.store.getSession(sessionId);
      if (s?.state === SessionState.Active) return this.awaitSession(sessionId);
    }
    this.reconcileSoon();
    const retryAfterS = Math.max(1, Math.ceil(this.opts.startTimeoutS / 2));
    throw new OrchestratorError('start_timeout', `No game server became ready within ${this.opts.startTimeoutS} s; retry later`, retryAfterS);
  }

  /** The address for a share code; not_found for unknown or ended codes. */
  async join(code: string): Promise<{ ip: string }> {
    const ip = await this.store.findJoinAddress(normalizeShareCode(code));
    if (!ip) throw new OrchestratorError('not_found', 'Droplet not found in database.');
    return { ip };
  }

  /**
   * A game server reports in. Unknown addresses (signed with the shared key) register as
   * external servers; the first heartbeat makes a server ready.
   */
  async heartbeat(caller: ServerCaller, ip: string, players: number): Promise<void> {
    const now = this.clock.now();
    const server = await this.store.transaction(async (tx) => {
      // Fast path (the steady state): a server in service, found and updated in one statement.
      const inService = caller.serverId ? null : await tx.recordHeartbeatByIp(ip, players, now);
      if (inService) return this.afterHeartbeat(tx, inService, players, now);
      const s = await this.findCallerServer(tx, caller, ip);
      if (!s) return caller.serverId ? null : this.registerExternal(tx, ip, players, now);
      const patch = { players, lastHeartbeatAtMs: now, ...(s.ip ? {} : { ip }) };
      if (s.state === ServerState.Creating || s.state === ServerState.Starting) {
        const ready = await tx.transitionServer(s.id, [s.state], ServerState.Ready, { ...patch, readyAtMs: now }, now);
        return ready ? this.ops.offerToPending(tx, ready) : null;
      }
      const updated = await tx.patchServer(s.id, ACTIVE_SERVER_STATES, patch, now);
      return updated ? this.afterHeartbeat(tx, updated, players, now) : null;
    });
    if (!server) throw new OrchestratorError('not_found', 'Droplet not found in database.');
  }

  /** What a recorded heartbeat of a ready or allocated server moves on: the idle clock, an external server's pool state. */
  private async afterHeartbeat(tx: Store, updated: Server, players: number, now: number): Promise<Server> {
    if (updated.state === ServerState.Allocated && players > 0) await tx.touchSessionPlayed(updated.id, now);
    if (updated.origin === 'external') return this.followPlayers(tx, updated, now);
    return updated;
  }

  private async findCallerServer(tx: Store, caller: ServerCaller, ip: string): Promise<Server | null> {
    if (!caller.serverId) return tx.findActiveServerByIp(ip);
    const s = await tx.getServer(caller.serverId);
    if (!s || !ACTIVE_SERVER_STATES.includes(s.state)) return null;
    // A per-server credential speaks only for its own address.
    if (s.ip && s.ip !== ip) throw new OrchestratorError('unauthorized', 'Invalid HMAC signature.');
    return s;
  }

  /** The original's way for a studio's own server to join the pool: a signed heartbeat. */
  private async registerExternal(tx: Store, ip: string, players: number, now: number): Promise<Server> {
    const row: Server = {
      id: randomUUID(),
      state: players > 0 ? ServerState.Allocated : ServerState.Ready,
      origin: 'external',
      providerId: null,
      ip,
      port: null,
      players,
      createdAtMs: now,
      updatedAtMs: now,
      stateChangedAtMs: now,
      readyAtMs: now,
      lastHeartbeatAtMs: now,
      reason: null,
    };
    await tx.insertServer(row);
    this.log.info({ serverId: row.id, ip }, 'registered an external server by signed heartbeat');
    return row.state === ServerState.Ready ? this.ops.offerToPending(tx, row) : row;
  }

  /** External servers without a session are busy while they report players, free when empty. */
  private async followPlayers(tx: Store, s: Server, now: number): Promise<Server> {
    if (await tx.findLiveSessionByServer(s.id)) return s;
    if (s.state === ServerState.Ready && s.players > 0) {
      return (await tx.transitionServer(s.id, [ServerState.Ready], ServerState.Allocated, {}, now)) ?? s;
    }
    if (s.state === ServerState.Allocated && s.players === 0) {
      const r = await tx.transitionServer(s.id, [ServerState.Allocated], ServerState.Ready, { readyAtMs: now }, now);
      return r ? this.ops.offerToPending(tx, r) : s;
    }
    return s;
  }

  /**
   * The game server says its game is over: the session ends and the machine is deleted (or
   * recycled). Recorded durably first; the delete is attempted at once and retried by the
   * reconciler until the provider confirms.
   */
  async end(caller: ServerCaller, ip: string): Promise<{ external: boolean }> {
    const server = await this.store.transaction(async (tx) => {
      const s = await this.findCallerServer(tx, caller, ip);
      if (!s) return null;
      const session = await tx.findLiveSessionByServer(s.id);
      if (session) await tx.endSession(session.id, [SessionState.Active, SessionState.Pending], EndReason.ServerEnded, this.clock.now());
      return (await this.ops.release(tx, s)) ?? s;
    });
    if (!server) throw new OrchestratorError('not_found', 'Droplet not found in database.');
    if (server.state === ServerState.Shutdown) {
      void this.ops.teardown(server).then((done) => done || this.reconcileSoon());
    }
    return { external: server.origin === 'external' };
  }
}
