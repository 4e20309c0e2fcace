import { randomUUID } from 'node:crypto';
import { deriveServerCredential } from '../domain/credentials.js';
import { EventKind } from '../domain/events.js';
import { EXTERNAL_ORIGIN, isTerminalServerState, ServerState, type Server } from '../domain/server.js';
import { EndReason, SessionState, type Session } from '../domain/session.js';
import { ProviderError, type Machine, type Provider } from '../providers/provider.js';
import type { ServerPatch, Store, Tx } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import { timeOrderedId } from '../util/ids.js';
import type { Log } from '../util/log.js';
import { moveServer } from './transitions.js';
import { yieldAddressToMachine } from './address-yield.js';

export interface ServerOpsDeps {
  store: Store;
  provider: Provider;
  clock: Clock;
  log: Log;
  /** Master secret for per-server credentials. */
  credentialSecret: string;
  orchestratorUrl: string;
  readiness: 'heartbeat' | 'address';
  recycleServers: boolean;
  /** This process, as the owner of the creates and waits it has in flight. */
  instanceId?: string;
  /** How long a claim on in-flight work holds without renewal (default 15 s). */
  leaseMs?: number;
  /**
   * A ready server not heard from within this long is never claimed by a start (default: no
   * bound): the heartbeat reaping window, so a server silent since before this process
   * started (an imported femquest.db) is not handed out while it waits to be reaped.
   */
  claimHeardWithinMs?: number;
  /**
   * Whether a server whose session just ended goes back to the pool (true) or is deleted.
   * Default: RECYCLE_SERVERS. A forecasting pool policy may decide per server.
   */
  keepAfterSession?: (server: Server, nowMs: number) => boolean;
}

/** Narrows endSession: only from these states; only when the waiter's lease ran out by then. */
export interface EndOnly {
  from?: readonly SessionState[];
  leaseExpiredBy?: number;
}

/** What ending a session did: the session as ended, and its server as settled (or null). */
export interface Ended {
  session: Session;
  server: Server | null;
}

/**
 * The fleet's verbs, shared by the session service and the reconciler: make servers, move
 * them (one checked verb), start, assign and end sessions (one verb that also settles the
 * server), release and tear down machines. Every change writes its event in the same
 * transaction (the outbox); side effects run after commit from those events. Every step
 * writes the store first and asks the provider second, so a crash in between is repaired by
 * listing.
 */
export class ServerOps {
  readonly instanceId: string;
  readonly leaseMs: number;

  constructor(private readonly d: ServerOpsDeps) {
    this.instanceId = d.instanceId ?? randomUUID();
    this.leaseMs = d.leaseMs ?? 15_000;
  }

  credentialFor(serverId: string): string {
    return deriveServerCredential(this.d.credentialSecret, serverId);
  }

  private now(): number {
    return this.d.clock.now();
  }

  /** The checked state change (see moveServer), in the caller's transaction. */
  move(
    tx: Tx,
    id: string,
    from: readonly ServerState[],
    to: ServerState,
    patch: ServerPatch = {},
  ): Promise<Server | null> {
    return moveServer(tx, this.d.log, id, from, to, patch, this.now());
  }

  /** move() in a transaction of its own. */
  moveNow(id: string, from: readonly ServerState[], to: ServerState, patch: ServerPatch = {}): Promise<Server | null> {
    return this.d.store.transaction((tx) => this.move(tx, id, from, to, patch));
  }

  // ---- making servers ----

  /** Inserts `count` rows in `creating`, leased to this process (call inside the transaction that decided the count). */
  async reserve(tx: Tx, count: number): Promise<Server[]> {
    const now = this.now();
    const rows: Server[] = [];
    for (let i = 0; i < count; i++) {
      const row: Server = {
        id: timeOrderedId(now),
        state: ServerState.Creating,
        origin: this.d.provider.name,
        providerId: null,
        ip: null,
        port: null,
        players: 0,
        createdAtMs: now,
        updatedAtMs: now,
        stateChangedAtMs: now,
        readyAtMs: null,
        lastHeartbeatAtMs: null,
        reason: null,
        owner: this.instanceId,
        leaseUntilMs: now + this.leaseMs,
      };
      await this.insertServer(tx, row);
      rows.push(row);
    }
    return rows;
  }

  /** A new row and its `server.created` event. */
  async insertServer(tx: Tx, row: Server): Promise<void> {
    await tx.insertServer(row);
    tx.recordEvent({
      atMs: row.createdAtMs,
      kind: EventKind.ServerCreated,
      serverId: row.id,
      sessionId: null,
      data: { origin: row.origin, state: row.state, ip: row.ip },
    });
  }

  /**
   * Asks the provider for the machine of a `creating` row and records what it says. The
   * row's lease is renewed while the provider works, so it never looks abandoned meanwhile.
   */
  async launch(server: Server): Promise<void> {
    const log = this.d.log.child({ serverId: server.id });
    const renewing = new AbortController();
    const renew = this.renewWhile(server.id, renewing.signal);
    try {
      const machine = await this.d.provider.create({
        serverId: server.id,
        credential: this.credentialFor(server.id),
        orchestratorUrl: this.d.orchestratorUrl,
      });
      renewing.abort();
      await this.recordMachine(server.id, machine);
    } catch (err) {
      renewing.abort();
      if (err instanceof ProviderError && !err.ambiguous) {
        log.error({ err: err.message }, 'provider refused to create a server');
        await this.moveNow(server.id, [ServerState.Creating], ServerState.Error, { reason: err.message });
      } else {
        // It may exist: once the lease runs out the reconciler adopts it by name or deletes the row.
        log.warn({ err: (err as Error).message }, 'create outcome unknown; the reconciler will adopt or clean up');
      }
    } finally {
      renewing.abort();
      await renew;
    }
  }

  private async renewWhile(serverId: string, signal: AbortSignal): Promise<void> {
    const every = Math.max(1, Math.floor(this.leaseMs / 3));
    for (;;) {
      await this.d.clock.sleep(every, signal);
      if (signal.aborted) return;
      try {
        if (!(await this.d.store.renewServerLease(serverId, this.instanceId, this.now() + this.leaseMs))) return;
      } catch (err) {
        this.d.log.warn({ serverId, err: (err as Error).message }, 'lease renewal failed');
      }
    }
  }

  /**
   * Notes a machine's id and address on its row: creating → starting once it has an address,
   * then → ready when readiness is by address or its game already heartbeated. `adopted`: the
   * machine was found by listing, not returned by our own create (an interrupted create).
   */
  async recordMachine(serverId: string, m: Machine, adopted = false): Promise<void> {
    const now = this.now();
    const s = await this.d.store.transaction(async (tx) => {
      const patch = { providerId: m.providerId, ip: m.ip, port: m.port };
      if (m.ip) await yieldAddressToMachine(tx, this, serverId, m.ip);
      let row = m.ip
        ? await this.move(tx, serverId, [ServerState.Creating], ServerState.Starting, patch)
        : await tx.patchServer(serverId, [ServerState.Creating], { providerId: m.providerId }, now);
      if (!row) {
        // Not creating any more (a heartbeat got there first): only fill in what is missing.
        row = await tx.patchServer(
          serverId,
          [ServerState.Starting, ServerState.Ready, ServerState.Allocated],
          { providerId: m.providerId, ...(m.port ? { port: m.port } : {}) },
          now,
        );
      }
      if (row && adopted) {
        tx.recordEvent({
          atMs: now,
          kind: EventKind.OrphanAdopted,
          serverId,
          sessionId: null,
          data: { providerId: m.providerId, ip: m.ip },
        });
      }
      return row;
    });
    const heardFrom = s?.lastHeartbeatAtMs != null;
    if (s?.state === ServerState.Starting && (this.d.readiness === 'address' || heardFrom))
      await this.markReady(serverId);
  }

  /**
   * creating/starting → ready, then gives the server to the oldest waiting session, in one
   * transaction so a server never sits ready while a start waits.
   */
  async markReady(serverId: string, patch: { players?: number } = {}): Promise<Server | null> {
    const now = this.now();
    return this.d.store.transaction(async (tx) => {
      const current = await tx.getServer(serverId);
      // Players are told the provider's address: a machine without one is not ready yet.
      if (!current || (!current.ip && current.origin !== EXTERNAL_ORIGIN)) return null;
      const heartbeat = current.lastHeartbeatAtMs ?? now;
      const s = await this.move(tx, serverId, [ServerState.Creating, ServerState.Starting], ServerState.Ready, {
        ...patch,
        readyAtMs: now,
        lastHeartbeatAtMs: Math.max(heartbeat, this.d.readiness === 'address' ? now : heartbeat),
      });
      if (!s) return null;
      return this.offerToPending(tx, s);
    });
  }

  // ---- sessions ----

  /** A new session (pending, or active on a claimed server) and its `session.started` event. */
  async insertSession(tx: Tx, session: Session): Promise<boolean> {
    if (!(await tx.insertSession(session))) return false;
    tx.recordEvent({
      atMs: session.createdAtMs,
      kind: EventKind.SessionStarted,
      serverId: session.serverId,
      sessionId: session.id,
      data: { code: session.code, state: session.state, coldStart: session.coldStart },
    });
    return true;
  }

  /** Atomically takes the longest-ready idle server (ready → allocated), with its event. */
  async claimReadyServer(tx: Tx): Promise<Server | null> {
    const now = this.now();
    const within = this.d.claimHeardWithinMs;
    const s = await tx.claimReadyServer(now, within === undefined ? undefined : now - within);
    if (s) {
      tx.recordEvent({
        atMs: now,
        kind: EventKind.ServerStateChanged,
        serverId: s.id,
        sessionId: null,
        data: {
          from: ServerState.Ready,
          to: ServerState.Allocated,
          reason: 'claimed by a start',
          origin: s.origin,
          ip: s.ip,
        },
      });
    }
    return s;
  }

  /** The oldest pending session gets this (allocated) server; null when none waits. */
  async assignOldestPending(tx: Tx, serverId: string): Promise<Session | null> {
    const now = this.now();
    const session = await tx.assignOldestPending(serverId, now);
    if (session) {
      tx.recordEvent({
        atMs: now,
        kind: EventKind.SessionAssigned,
        serverId,
        sessionId: session.id,
        data: { code: session.code, waitedMs: now - session.createdAtMs },
      });
    }
    return session;
  }

  /** A ready idle server → the oldest pending session, if one waits. Returns the server's row. */
  async offerToPending(tx: Tx, s: Server): Promise<Server> {
    if (s.state !== ServerState.Ready || s.players > 0) return s;
    if ((await tx.countSessions([SessionState.Pending])) === 0) return s;
    const claimed = await this.move(tx, s.id, [ServerState.Ready], ServerState.Allocated, { reason: null });
    if (!claimed) return s;
    const session = await this.assignOldestPending(tx, s.id);
    if (!session) {
      // The waiter went meanwhile (another replica): put it back.
      return (await this.move(tx, s.id, [ServerState.Allocated], ServerState.Ready)) ?? s;
    }
    return claimed;
  }

  /**
   * The one way a session ends: pending/active → ended with its reason and event, and its
   * server settled by one rule (see settleAfterSession), in the caller's transaction. Null
   * when the session had already ended (a lost race). Tear down a server left in `shutdown`
   * after the commit (teardown()).
   */
  async endSession(tx: Tx, session: Pick<Session, 'id'>, reason: EndReason, only: EndOnly = {}): Promise<Ended | null> {
    const now = this.now();
    const from = only.from ?? [SessionState.Pending, SessionState.Active];
    const ended = await tx.endSession(session.id, from, reason, now, only.leaseExpiredBy);
    if (!ended) return null;
    tx.recordEvent({
      atMs: now,
      kind: EventKind.SessionEnded,
      serverId: ended.serverId,
      sessionId: ended.id,
      data: { code: ended.code, reason },
    });
    const server = ended.serverId ? await tx.getServer(ended.serverId) : null;
    return { session: ended, server: server ? await this.settleAfterSession(tx, server, reason) : null };
  }

  /** endSession() in a transaction of its own. */
  endSessionNow(session: Pick<Session, 'id'>, reason: EndReason, only: EndOnly = {}): Promise<Ended | null> {
    return this.d.store.transaction((tx) => this.endSession(tx, session, reason, only));
  }

  /**
   * After its session ended, a server: stays as it is when already on its way out (terminal);
   * an external one leaves the list (deleted; its next heartbeat registers it again); one of
   * ours goes back to the pool when kept (recycling) and was healthy, or is shut down.
   */
  private async settleAfterSession(tx: Tx, server: Server, reason: EndReason): Promise<Server> {
    if (isTerminalServerState(server.state)) return server;
    if (server.origin === EXTERNAL_ORIGIN) {
      return (
        (await this.move(tx, server.id, [server.state], ServerState.Deleted, {
          reason: 'session ended (external server)',
        })) ?? server
      );
    }
    const healthy = reason !== EndReason.ServerLost && server.state === ServerState.Allocated;
    const keep = this.d.keepAfterSession ? this.d.keepAfterSession(server, this.now()) : this.d.recycleServers;
    if (healthy && keep) {
      const s = await this.move(tx, server.id, [ServerState.Allocated], ServerState.Ready, {
        players: 0,
        readyAtMs: this.now(),
        reason: null,
      });
      return s ? this.offerToPending(tx, s) : server;
    }
    return (
      (await this.move(tx, server.id, [server.state], ServerState.Shutdown, { reason: `session ended (${reason})` })) ??
      server
    );
  }

  /** A server with no session that is done (its game ended, or it is drained): shut down / deleted. */
  async retire(tx: Tx, server: Server, reason: string): Promise<Server> {
    if (isTerminalServerState(server.state)) return server;
    const to = server.origin === EXTERNAL_ORIGIN ? ServerState.Deleted : ServerState.Shutdown;
    return (await this.move(tx, server.id, [server.state], to, { reason })) ?? server;
  }

  /**
   * Deletes a shutdown server's machine and marks the row deleted once the provider confirms.
   * Returns true when confirmed; false leaves it for the reconciler's next pass.
   */
  async teardown(server: Server): Promise<boolean> {
    // Without a machine id the reconciler finds the machine by listing (its name carries our id).
    if (server.origin !== EXTERNAL_ORIGIN && !server.providerId) return false;
    // A machine another provider made is not ours to delete with this one (its id means
    // nothing here): the row waits in shutdown for an orchestrator running that provider.
    if (server.origin !== EXTERNAL_ORIGIN && server.origin !== this.d.provider.name) return false;
    try {
      const res =
        server.providerId && server.origin !== EXTERNAL_ORIGIN
          ? await this.d.provider.delete(server.providerId)
          : 'gone';
      if (res !== 'gone') return false;
      await this.moveNow(
        server.id,
        [ServerState.Shutdown, ServerState.Unhealthy, ServerState.Error],
        ServerState.Deleted,
      );
      return true;
    } catch (err) {
      this.d.log.warn({ serverId: server.id, err: (err as Error).message }, 'delete failed; will retry');
      return false;
    }
  }

  /** Records that an orphan machine (no live row) was deleted. */
  async recordOrphanDeleted(m: Machine): Promise<void> {
    const now = this.now();
    await this.d.store.transaction(async (tx) => {
      tx.recordEvent({
        atMs: now,
        kind: EventKind.OrphanDeleted,
        serverId: m.serverId,
        sessionId: null,
        data: { providerId: m.providerId, ip: m.ip },
      });
    });
  }
}
