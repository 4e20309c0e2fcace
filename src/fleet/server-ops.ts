import { randomUUID } from 'node:crypto';
import { deriveServerCredential } from '../domain/credentials.js';
import { EventKind } from '../domain/events.js';
import { FALLBACK_DEFAULT_REGION } from '../domain/region.js';
import { creatingServer, EXTERNAL_ORIGIN, isTerminalServerState, ServerState, type Server } from '../domain/server.js';
import type { EndReason, Session } from '../domain/session.js';
import { originFor, type Machine } from '../providers/provider.js';
import type { ServerPatch, Tx, WarmStartInput, WarmStarted } from '../store/store.js';
import { timeOrderedId } from '../util/ids.js';
import { moveServer } from './transitions.js';
import { yieldAddressToMachine } from './address-yield.js';
import { launchMachine, type LaunchDeps } from './machine-launch.js';
import { teardownMachine } from './machine-teardown.js';
import * as verbs from './session-verbs.js';
import { Teardowns } from './teardowns.js';
import type { EndOnly, Ended, SessionVerbContext } from './session-verbs.js';

/** LaunchDeps: store, provider, clock, log, orchestratorUrl and placement's hooks. */
export interface ServerOpsDeps extends LaunchDeps {
  /** Master secret for per-server credentials. */
  credentialSecret: string;
  /** The default region: external servers (a studio's own, by signed heartbeat) count in it (default FALLBACK_DEFAULT_REGION). */
  defaultRegion?: string;
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

export type { EndOnly, Ended } from './session-verbs.js';

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
  readonly defaultRegion: string;

  private readonly sessionContext: SessionVerbContext;

  constructor(private readonly d: ServerOpsDeps) {
    this.instanceId = d.instanceId ?? randomUUID();
    this.leaseMs = d.leaseMs ?? 15_000;
    this.defaultRegion = d.defaultRegion ?? FALLBACK_DEFAULT_REGION;
    this.sessionContext = {
      log: d.log,
      now: () => this.now(),
      keepAfterSession: (server, nowMs) => (d.keepAfterSession ? d.keepAfterSession(server, nowMs) : d.recycleServers),
      claimHeardWithinMs: d.claimHeardWithinMs,
    };
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
  /** Inserts `count` rows in `creating` in `region`, leased to this process (call inside the transaction that decided the count). */
  async reserve(tx: Tx, count: number, region: string): Promise<Server[]> {
    const now = this.now();
    const rows: Server[] = [];
    for (let i = 0; i < count; i++) {
      const row = creatingServer({
        id: timeOrderedId(now),
        origin: originFor(this.d.provider, region),
        region,
        nowMs: now,
        owner: this.instanceId,
        leaseUntilMs: now + this.leaseMs,
        size: this.d.provider.sizeFor?.(region) ?? null,
      });
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
      data: { origin: row.origin, region: row.region, state: row.state, ip: row.ip },
    });
  }

  /**
   * Asks the provider for the machine of a `creating` row and records what it says (see
   * machine-launch.ts); the row's lease is renewed while the provider works.
   */
  launch(server: Server): Promise<void> {
    return launchMachine(this.d, this, server);
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
      if (s.origin !== EXTERNAL_ORIGIN) this.d.onBooted?.(s.region, (now - current.createdAtMs) / 1000, now);
      return this.offerToPending(tx, s);
    });
  }

  // ---- sessions (session-verbs.ts) ----

  /** A new session (pending, or active on a claimed server) and its `session.started` event. */
  insertSession(tx: Tx, session: Session): Promise<boolean> {
    return verbs.insertSession(tx, session);
  }

  /** Atomically takes the longest-ready idle server (ready → allocated), with its event. */
  claimReadyServer(tx: Tx, region?: string): Promise<Server | null> {
    return verbs.claimReadyServer(tx, this.sessionContext, region);
  }

  /** A warm start in one statement where the store has it (see session-verbs.ts); null: use a transaction. */
  startOnReadyServer(start: Omit<WarmStartInput, 'nowMs' | 'heardSinceMs'>): Promise<WarmStarted | null> {
    return verbs.startOnReadyServer(this.d.store, this.sessionContext, start);
  }

  /** The first in the fair queue gets this (allocated) server (see Tx's); null when none waits. */
  assignOldestPending(tx: Tx, serverId: string, rankBelow?: number): Promise<Session | null> {
    return verbs.assignOldestPending(tx, this.sessionContext, serverId, rankBelow);
  }

  /** A ready idle server → the oldest pending session, if one waits. Returns the server's row. */
  offerToPending(tx: Tx, s: Server): Promise<Server> {
    return verbs.offerToPending(tx, this.sessionContext, s);
  }

  /**
   * The one way a session ends: pending/active → ended with its reason and event, and its
   * server settled by one rule, in the caller's transaction. Null when the session had already
   * ended (a lost race). Tear down a server left in `shutdown` after the commit (teardown()).
   */
  endSession(tx: Tx, session: Pick<Session, 'id'>, reason: EndReason, only: EndOnly = {}): Promise<Ended | null> {
    return verbs.endSession(tx, this.sessionContext, session, reason, only);
  }

  /** endSession() in a transaction of its own. */
  endSessionNow(session: Pick<Session, 'id'>, reason: EndReason, only: EndOnly = {}): Promise<Ended | null> {
    return this.d.store.transaction((tx) => this.endSession(tx, session, reason, only));
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
  teardown(server: Server): Promise<boolean> {
    return this.teardowns.run(server.id, () => teardownMachine(this.d, this, server));
  }

  /** Shutdown rows a teardown in this process left unconfirmed: the reconciler retries them at once. */
  unconfirmedTeardowns(): ReadonlySet<string> {
    return this.teardowns.unconfirmedIds();
  }

  private readonly teardowns = new Teardowns();

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
