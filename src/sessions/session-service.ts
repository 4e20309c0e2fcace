import { EventKind } from '../domain/events.js';
import { OrchestratorError } from '../domain/errors.js';
import { INVALID_SIGNATURE } from '../domain/hmac.js';
import { ACTIVE_SERVER_STATES, EXTERNAL_ORIGIN, ServerState, type Server } from '../domain/server.js';
import { EndReason, SessionState, type Session } from '../domain/session.js';
import { generateShareCode, normalizeShareCode } from '../domain/share-code.js';
import type { ServerOps } from '../fleet/server-ops.js';
import { markSessionPlayed, recordServerReport } from '../fleet/server-reports.js';
import { Rollback, rollBack, type Store, type Tx } from '../store/store.js';
import type { SessionDetails } from '../store/v1-types.js';
import { effectivePoolSettings } from './pool-settings.js';
import { assertSharedKeyMayDrive } from './shared-key-scope.js';
import { checkHolderCap, type Holder } from '../guard/session-caps.js';
import { assertUsableServerAddress } from '../guard/server-address.js';
import type { Clock } from '../util/clock.js';
import { timeOrderedId } from '../util/ids.js';
import type { Log } from '../util/log.js';
import type { SessionWaiter } from './session-waiter.js';
import { keyEndedError, keyUse } from './idempotency.js';

export interface SessionServiceOptions {
  startTimeoutS: number;
  startPollMs: number;
  maxServers: number;
  idempotencyTtlS: number;
  /** SHARED_KEY_DRIVES_MANAGED (see shared-key-scope.ts); default false. */
  sharedKeyDrivesManaged?: boolean;
  /** Whether game servers may be on loopback addresses (the local provider). */
  loopbackServers?: boolean;
  /** Why no server could be had when capacity is the reason (the cap reached, the provider's limit); null otherwise. */
  capacityNote?: () => Promise<string | null>;
}

export interface StartResult {
  session: Session;
  server: Server;
  /** True when a ready server was handed out; false when the start waited for a new one. */
  reused: boolean;
}

/** What a heartbeat changed, for the answer and the log. */
export interface HeartbeatResult {
  server: Server;
  /** Set when the reported address was not taken (the provider's address is the truth). */
  addressIgnored: { reported: string; kept: string | null } | null;
}

/** Who is calling a server route: a per-server credential names its server. */
export interface ServerCaller {
  serverId: string | null;
  /**
   * A verified request signature not yet remembered: the use case remembers it as the first
   * statement of its own transaction and refuses the request if it was already used (a replay),
   * so the replay check and the work share one commit.
   */
  unspent?: { signature: string; expiresAtMs: number };
}

/**
 * The use cases: start, join, heartbeat, end. HTTP adapters (the original's routes and /v1)
 * are thin layers over this; the rules live here once. Errors carry codes and neutral
 * messages; each HTTP plugin words them for its own clients.
 */
export class SessionService {
  /** Starts waiting in this process, so a shutdown can answer them at once. */
  private readonly waiting = new Set<AbortController>();
  private stopping = false;

  constructor(
    private readonly store: Store,
    private readonly ops: ServerOps,
    private readonly waiter: SessionWaiter,
    private readonly clock: Clock,
    private readonly log: Log,
    private readonly opts: SessionServiceOptions,
    /** Asks the reconciler for a pass soon (capacity changed). */
    private readonly reconcileSoon: () => void = () => {},
  ) {
    // After commit, from the outbox: a session that got a server or ended wakes its waiter.
    store.onEvents((events) => {
      for (const e of events) {
        if ((e.kind === EventKind.SessionAssigned || e.kind === EventKind.SessionEnded) && e.sessionId)
          this.waiter.notify(e.sessionId);
      }
    });
  }

  /**
   * Claims a ready server at once, or waits (bounded by startTimeoutS) for one made for it.
   * The Idempotency-Key rule is sessions/idempotency.ts's, the same for /v1.
   */
  async start(opts: { idempotencyKey?: string; holder?: Holder } = {}): Promise<StartResult> {
    if (this.stopping) throw this.shuttingDownError();
    const key = opts.idempotencyKey;
    const { session, server, created, existing } = await this.claimOrQueue(key, undefined, true, opts.holder);
    if (existing && keyUse(session) === 'ended') throw keyEndedError(session);
    if (!existing && session.state === SessionState.Active && server)
      return { session, server, reused: !session.coldStart };
    for (const s of created) void this.ops.launch(s);
    if (!existing && created.length === 0) this.reconcileSoon();
    return this.awaitSession(session.id);
  }

  /**
   * One transaction: a ready server → an active session; else a pending one (leased to this
   * process) plus the servers it needs. A key naming a live or played session returns it.
   */
  private async claimOrQueue(key: string | undefined, details?: SessionDetails, leased = true, holder?: Holder) {
    const now = this.clock.now();
    const out = await this.store.transaction(async (tx) => {
      let replacing: string | null = null;
      if (key) {
        const existingId = await tx.getIdempotentSession(key, now);
        const existing = existingId ? await tx.getSession(existingId) : null;
        if (existing && keyUse(existing) !== 'retry')
          return { session: existing, server: null, created: [] as Server[], existing: true };
        replacing = existing?.id ?? null;
      }
      if (holder) await checkHolderCap(tx, holder);
      const server = await this.ops.claimReadyServer(tx);
      const session = await this.insertWithFreshCode(tx, server, now, leased);
      if (holder) await tx.holdSession(session.id, holder.id);
      if (details) await tx.setSessionDetails(session.id, details);
      if (key) {
        const expiresAt = now + this.opts.idempotencyTtlS * 1000;
        const bound = replacing
          ? await tx.replaceIdempotencyKey(key, replacing, session.id, now, expiresAt)
          : (await tx.putIdempotencyKey(key, session.id, now, expiresAt)) === session.id;
        if (!bound) return rollBack(new OrchestratorError('conflict', 'Idempotency key raced; retry'));
      }
      const created = server ? [] : await this.reserveForPending(tx);
      return { session, server, created, existing: false };
    });
    // A refusal rolled the claim and the new session back.
    if (out instanceof Rollback) throw out.reason;
    return out;
  }

  /**
   * `leased`: a request of this process waits for it (renewing the lease); a /v1 start
   * returns at once and its client polls, so its pending session carries no lease.
   */
  private async insertWithFreshCode(tx: Tx, server: Server | null, now: number, leased = true): Promise<Session> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const session: Session = {
        id: timeOrderedId(now),
        code: generateShareCode(),
        state: server ? SessionState.Active : SessionState.Pending,
        serverId: server?.id ?? null,
        createdAtMs: now,
        activatedAtMs: server ? now : null,
        endedAtMs: null,
        endReason: null,
        lastPlayedAtMs: server ? now : null,
        coldStart: !server,
        owner: server || !leased ? null : this.ops.instanceId,
        leaseUntilMs: server || !leased ? null : now + this.ops.leaseMs,
      };
      if (await this.ops.insertSession(tx, session)) return session;
    }
    throw new OrchestratorError('internal', 'Could not find a free share code');
  }

  /** Servers to make so every pending session has one on its way, within MAX_SERVERS (counted, not listed). */
  private async reserveForPending(tx: Tx): Promise<Server[]> {
    await tx.lockCapacity();
    const now = this.clock.now();
    const pending = await tx.countSessions([SessionState.Pending]);
    const onTheWay = await tx.countOnTheWay(now);
    const machines = await tx.countMachines();
    const n = Math.max(0, Math.min(pending - onTheWay, (await this.maxServersNow(tx)) - machines));
    return n > 0 ? this.ops.reserve(tx, n) : [];
  }

  /** Waits until the session is active (or the deadline passes, ending it with a clear reason). */
  private async awaitSession(sessionId: string): Promise<StartResult> {
    const deadline = this.clock.now() + this.opts.startTimeoutS * 1000;
    const stop = new AbortController();
    this.waiting.add(stop);
    let leaseUntil = 0;
    try {
      for (;;) {
        const session = await this.store.getSession(sessionId);
        if (!session) throw new OrchestratorError('not_found', 'Session not found');
        if (session.state === SessionState.Active && session.serverId) {
          const server = await this.store.getServer(session.serverId);
          if (server) return { session, server, reused: !session.coldStart };
        }
        if (session.state === SessionState.Ended) {
          // A key re-sent after its session was played and ended: a 503 with Retry-After would
          // be false ("before a server was ready") and invite retrying the same key forever.
          if (session.activatedAtMs !== null) {
            throw new OrchestratorError(
              'conflict',
              `This session has ended (${session.endReason}); start a new one with a new Idempotency-Key`,
            );
          }
          throw new OrchestratorError(
            'start_timeout',
            `Session ended before a server was ready (${session.endReason})`,
            5,
          );
        }
        if (stop.signal.aborted) return await this.giveUp(sessionId, EndReason.ShuttingDown);
        const now = this.clock.now();
        if (now >= deadline) return await this.giveUp(sessionId, EndReason.StartTimeout);
        // This request still waits: keep the session's lease (a dead waiter's session is abandoned).
        if (leaseUntil - now < this.ops.leaseMs / 2) {
          leaseUntil = now + this.ops.leaseMs;
          await this.store.renewSessionLease(sessionId, this.ops.instanceId, leaseUntil);
        }
        await this.tryClaimFor(sessionId);
        const ac = new AbortController();
        const onStop = () => ac.abort();
        stop.signal.addEventListener('abort', onStop, { once: true });
        await Promise.race([
          this.waiter.wait(sessionId, ac.signal),
          this.clock.sleep(this.opts.startPollMs, ac.signal),
        ]);
        ac.abort();
        stop.signal.removeEventListener('abort', onStop);
      }
    } finally {
      this.waiting.delete(stop);
    }
  }

  /** A ready server that appeared without being offered (another replica, a race) is taken here. */
  private async tryClaimFor(sessionId: string): Promise<void> {
    await this.store.transaction(async (tx) => {
      const session = await tx.getSession(sessionId);
      if (session?.state !== SessionState.Pending) return;
      const server = await this.ops.claimReadyServer(tx);
      if (!server) return;
      // The oldest waiter gets it (it may be another request's session; its waiter wakes from the event).
      const s = await this.ops.assignOldestPending(tx, server.id);
      if (!s) await this.ops.move(tx, server.id, [ServerState.Allocated], ServerState.Ready);
    });
  }

  private async giveUp(sessionId: string, reason: EndReason): Promise<StartResult> {
    // Only a session still pending ends here; the answer comes from the committed row.
    const ended = await this.ops.endSessionNow({ id: sessionId }, reason, { from: [SessionState.Pending] });
    if (!ended) {
      // It became active in the last moment: hand it out rather than lose it.
      const s = await this.store.getSession(sessionId);
      if (s?.state === SessionState.Active && s.serverId) {
        const server = await this.store.getServer(s.serverId);
        if (server) return { session: s, server, reused: !s.coldStart };
      }
    }
    if (reason === EndReason.ShuttingDown) throw this.shuttingDownError();
    this.reconcileSoon();
    const retryAfterS = Math.max(1, Math.ceil(this.opts.startTimeoutS / 2));
    const note = await this.opts.capacityNote?.();
    if (note)
      throw new OrchestratorError(
        'capacity',
        `No game server became ready within ${this.opts.startTimeoutS} s: ${note}; retry later`,
        retryAfterS,
      );
    throw new OrchestratorError(
      'start_timeout',
      `No game server became ready within ${this.opts.startTimeoutS} s; retry later`,
      retryAfterS,
    );
  }

  private shuttingDownError(): OrchestratorError {
    return new OrchestratorError('unavailable', 'The service is shutting down; retry shortly', 2);
  }

  /**
   * Stops taking starts and answers every waiting start at once (503 with Retry-After); their
   * pending sessions end as shutting_down. Resolves when every waiter has answered.
   */
  async shutdown(): Promise<void> {
    this.stopping = true;
    const waiting = [...this.waiting];
    for (const w of waiting) w.abort();
    const deadline = this.clock.now() + 5_000;
    while (this.waiting.size > 0 && this.clock.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  }

  /**
   * Ends pending sessions whose waiting request is gone (its process died: a crash, a
   * restart), so they are not first in line for the next server. On an exclusive store
   * (SQLite) everything another process left in flight is dead at start-up.
   */
  async resolveAbandoned(atStartUp = false): Promise<number> {
    if (atStartUp && this.store.exclusive) await this.store.expireForeignLeases(this.ops.instanceId);
    let n = 0;
    const now = this.clock.now();
    // The list is a snapshot: each end re-checks, in its statement, that the session is still
    // pending and its lease still unrenewed (its waiter may have renewed, or been answered).
    const only = { from: [SessionState.Pending], leaseExpiredBy: now };
    for (const s of await this.store.listAbandonedPending(now)) {
      if (await this.ops.endSessionNow(s, EndReason.Abandoned, only)) n++;
    }
    if (n > 0) this.log.warn({ sessions: n }, 'ended pending sessions whose waiting request died');
    return n;
  }

  /** Remembers a verified signature on its own; false when it was already used (a replay). */
  spendSignature(unspent: NonNullable<ServerCaller['unspent']>): Promise<boolean> {
    return this.store.rememberSignature(unspent.signature, this.clock.now(), unspent.expiresAtMs);
  }

  /** The address for a share code; not_found for unknown, malformed or ended codes. */
  async join(code: string): Promise<{ ip: string }> {
    const normalized = normalizeShareCode(code);
    const ip = normalized ? await this.store.findJoinAddress(normalized) : null;
    if (!ip) throw new OrchestratorError('not_found', 'No live session has this code');
    return { ip };
  }

  /**
   * A game server reports in. Unknown addresses (signed with the shared key) register as
   * external servers; the first heartbeat makes a server ready. For machines we made, the
   * provider's address is the truth: a different self-reported address is ignored (and said so).
   */
  async heartbeat(caller: ServerCaller, ip: string, players: number): Promise<HeartbeatResult> {
    const now = this.clock.now();
    const { unspent } = caller;
    type Outcome = HeartbeatResult | 'replayed' | null | Rollback<OrchestratorError>;
    const result = await this.store.transaction(async (tx): Promise<Outcome> => {
      // A replay changes nothing; it is answered like any other bad signature.
      if (unspent && !(await tx.rememberSignature(unspent.signature, now, unspent.expiresAtMs))) return 'replayed';
      // Fast path (the steady state): a server in service, found and updated in one statement.
      const inService = caller.serverId ? null : await tx.recordHeartbeatByIp(ip, players, now);
      if (inService) {
        this.mayDrive(caller, inService);
        return { server: await this.afterHeartbeat(tx, inService, players, now), addressIgnored: null };
      }
      const s = await this.findCallerServer(tx, caller, ip);
      if (s) this.mayDrive(caller, s);
      if (!s)
        return caller.serverId
          ? null
          : { server: await this.registerExternal(tx, ip, players, now), addressIgnored: null };
      const differs = s.origin !== EXTERNAL_ORIGIN && s.ip !== ip;
      const conflict = differs ? await this.refuseForeignAddress(tx, s, ip) : null;
      if (conflict) return conflict;
      const addressIgnored = differs ? { reported: ip, kept: s.ip } : null;
      const patch = { players, lastHeartbeatAtMs: now };
      if ((s.state === ServerState.Creating || s.state === ServerState.Starting) && s.ip) {
        const ready = await this.ops.move(tx, s.id, [s.state], ServerState.Ready, { ...patch, readyAtMs: now });
        return ready ? { server: await this.ops.offerToPending(tx, ready), addressIgnored } : null;
      }
      const updated = await recordServerReport(tx, s.id, players, now);
      return updated ? { server: await this.afterHeartbeat(tx, updated, players, now), addressIgnored } : null;
    });
    if (result instanceof Rollback) throw result.reason;
    if (result === 'replayed') throw new OrchestratorError('unauthorized', INVALID_SIGNATURE);
    if (!result) throw new OrchestratorError('not_found', 'No live server has this address');
    if (result.addressIgnored) {
      this.log.warn(
        { serverId: result.server.id, reported: result.addressIgnored.reported, kept: result.addressIgnored.kept },
        'heartbeat reported another address; the provider’s address is kept',
      );
    }
    return result;
  }

  /** What a recorded heartbeat of a ready or allocated server moves on: the idle clock, an external server's pool state. */
  private async afterHeartbeat(tx: Tx, updated: Server, players: number, now: number): Promise<Server> {
    if (updated.state === ServerState.Allocated && players > 0) await markSessionPlayed(tx, updated.id, now);
    if (updated.origin === EXTERNAL_ORIGIN) return this.followPlayers(tx, updated);
    return updated;
  }

  /** A reported address that another live server holds is a conflict, never a silent overwrite. */
  private async refuseForeignAddress(tx: Tx, s: Server, ip: string): Promise<Rollback<OrchestratorError> | null> {
    const holder = await tx.findActiveServerByIp(ip);
    if (!holder || holder.id === s.id) return null;
    const why = `Address ${ip} belongs to another server; this server's address is ${s.ip ?? 'not known yet'}`;
    return rollBack(new OrchestratorError('address_conflict', why));
  }

  private async findCallerServer(tx: Tx, caller: ServerCaller, ip: string): Promise<Server | null> {
    if (!caller.serverId) return tx.findActiveServerByIp(ip);
    const s = await tx.getServer(caller.serverId);
    return s && ACTIVE_SERVER_STATES.includes(s.state) ? s : null;
  }

  private mayDrive(caller: ServerCaller, s: Server): void {
    assertSharedKeyMayDrive(caller.serverId, s, this.opts.sharedKeyDrivesManaged ?? false);
  }

  /** The original's way for a studio's own server to join the pool: a signed heartbeat. */
  private async registerExternal(tx: Tx, ip: string, players: number, now: number): Promise<Server> {
    assertUsableServerAddress(ip, this.opts.loopbackServers ?? false);
    const row: Server = {
      id: timeOrderedId(now),
      state: players > 0 ? ServerState.Allocated : ServerState.Ready,
      origin: EXTERNAL_ORIGIN,
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
    await this.ops.insertServer(tx, row);
    return row.state === ServerState.Ready ? this.ops.offerToPending(tx, row) : row;
  }

  /** External servers without a session are busy while they report players, free when empty. */
  private async followPlayers(tx: Tx, s: Server): Promise<Server> {
    const toggles =
      (s.state === ServerState.Ready && s.players > 0) || (s.state === ServerState.Allocated && s.players === 0);
    if (!toggles || (await tx.findLiveSessionByServer(s.id))) return s;
    if (s.state === ServerState.Ready)
      return (await this.ops.move(tx, s.id, [ServerState.Ready], ServerState.Allocated)) ?? s;
    const r = await this.ops.move(tx, s.id, [ServerState.Allocated], ServerState.Ready, {
      readyAtMs: this.clock.now(),
    });
    return r ? this.ops.offerToPending(tx, r) : s;
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
      this.mayDrive(caller, s);
      if (s.origin !== EXTERNAL_ORIGIN && s.ip !== null && s.ip !== ip) {
        const why = `Address ${ip} is not this server's address (${s.ip}); nothing was ended`;
        return rollBack(new OrchestratorError('address_conflict', why));
      }
      const session = await tx.findLiveSessionByServer(s.id);
      const ended = session ? await this.ops.endSession(tx, session, EndReason.ServerEnded) : null;
      return ended?.server ?? (await this.ops.retire(tx, s, 'ended by the game server'));
    });
    if (server instanceof Rollback) throw server.reason;
    if (!server) throw new OrchestratorError('not_found', 'No live server has this address');
    if (server.state === ServerState.Shutdown) {
      void this.ops.teardown(server).then((done) => done || this.reconcileSoon());
    }
    // Recycled: the pool policy decides at once whether to keep it (not a whole interval later).
    if (server.state === ServerState.Ready) this.reconcileSoon();
    return { external: server.origin === EXTERNAL_ORIGIN };
  }

  /**
   * The /v1 start: claims a ready server or queues a pending session (and the servers it
   * needs), and returns at once without waiting. The same idempotency key yields the same
   * session, in whatever state it is now.
   */
  async startNoWait(
    opts: { idempotencyKey?: string; details?: SessionDetails; holder?: Holder } = {},
  ): Promise<{ sessionId: string }> {
    const key = opts.idempotencyKey;
    const { session, created, existing } = await this.claimOrQueue(key, opts.details, false, opts.holder);
    if (existing) {
      if (keyUse(session) === 'ended') throw keyEndedError(session);
      return { sessionId: session.id };
    }
    for (const s of created) void this.ops.launch(s);
    if (session.state === SessionState.Pending && created.length === 0) this.reconcileSoon();
    return { sessionId: session.id };
  }

  /** MAX_SERVERS, or the lower cap an operator set at run time (kept in the store). */
  private async maxServersNow(tx: Tx): Promise<number> {
    return (await effectivePoolSettings(tx, { poolMinReady: 0, poolBuffer: 0, maxServers: this.opts.maxServers }))
      .maxServers;
  }
}
