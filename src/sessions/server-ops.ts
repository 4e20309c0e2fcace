import { randomUUID } from 'node:crypto';
import { deriveServerCredential } from '../domain/credentials.js';
import { ServerState, type Server } from '../domain/server.js';
import { ProviderError, type Machine, type Provider } from '../providers/provider.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { Log } from '../util/log.js';
import type { SessionWaiter } from './session-waiter.js';

export interface ServerOpsDeps {
  store: Store;
  provider: Provider;
  clock: Clock;
  log: Log;
  waiter: SessionWaiter;
  /** Master secret for per-server credentials. */
  credentialSecret: string;
  orchestratorUrl: string;
  readiness: 'heartbeat' | 'address';
  recycleServers: boolean;
}

/**
 * The machine-side verbs shared by the session service and the reconciler: make servers,
 * promote them, hand them to waiting sessions, release and tear them down. Every step writes
 * the store first and asks the provider second, so a crash in between is repaired by listing.
 */
export class ServerOps {
  constructor(private readonly d: ServerOpsDeps) {}

  credentialFor(serverId: string): string {
    return deriveServerCredential(this.d.credentialSecret, serverId);
  }

  /** Inserts `count` rows in `creating` (call inside a transaction that decided the count). */
  async reserve(tx: Store, count: number): Promise<Server[]> {
    const now = this.d.clock.now();
    const rows: Server[] = [];
    for (let i = 0; i < count; i++) {
      const row: Server = {
        id: randomUUID(),
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
      };
      await tx.insertServer(row);
      rows.push(row);
    }
    return rows;
  }

  /** Asks the provider for the machine of a `creating` row and records what it says. */
  async launch(server: Server): Promise<void> {
    const log = this.d.log.child({ serverId: server.id });
    try {
      const machine = await this.d.provider.create({
        serverId: server.id,
        credential: this.credentialFor(server.id),
        orchestratorUrl: this.d.orchestratorUrl,
      });
      await this.recordMachine(server.id, machine);
    } catch (err) {
      if (err instanceof ProviderError && !err.ambiguous) {
        log.error({ err: err.message }, 'provider refused to create a server');
        await this.d.store.transitionServer(server.id, [ServerState.Creating], ServerState.Error, { reason: err.message }, this.d.clock.now());
      } else {
        // It may exist: the reconciler lists by tag and adopts it, or marks the row lost after a grace.
        log.warn({ err: (err as Error).message }, 'create outcome unknown; the reconciler will adopt or clean up');
      }
    }
  }

  /** Notes a machine's id and address on its row; promotes it when readiness is by address. */
  async recordMachine(serverId: string, m: Machine): Promise<void> {
    const now = this.d.clock.now();
    const patch = { providerId: m.providerId, ip: m.ip, port: m.port };
    const s = m.ip
      ? await this.d.store.transitionServer(serverId, [ServerState.Creating], ServerState.Starting, patch, now)
      : await this.d.store.patchServer(serverId, [ServerState.Creating], { providerId: m.providerId }, now);
    if (!s) {
      // Not creating any more (a heartbeat got there first): only fill in what is missing.
      await this.d.store.patchServer(serverId, [ServerState.Starting, ServerState.Ready, ServerState.Allocated], { providerId: m.providerId, ...(m.port ? { port: m.port } : {}) }, now);
    }
    if (s?.state === ServerState.Starting && this.d.readiness === 'address') await this.markReady(serverId);
  }

  /**
   * creating/starting → ready, then gives the server to the oldest waiting session, in one
   * transaction so a server never sits ready while a start waits.
   */
  async markReady(serverId: string, patch: { ip?: string; players?: number } = {}): Promise<Server | null> {
    const now = this.d.clock.now();
    const res = await this.d.store.transaction(async (tx) => {
      const s = await tx.transitionServer(serverId, [ServerState.Creating, ServerState.Starting], ServerState.Ready, { ...patch, readyAtMs: now, lastHeartbeatAtMs: now }, now);
      if (!s) return null;
      return this.offerToPending(tx, s);
    });
    return res;
  }

  /** A ready idle server → the oldest pending session, if one waits. Returns the server's row. */
  async offerToPending(tx: Store, s: Server): Promise<Server> {
    if (s.state !== ServerState.Ready || s.players > 0) return s;
    const now = this.d.clock.now();
    const claimed = await tx.transitionServer(s.id, [ServerState.Ready], ServerState.Allocated, {}, now);
    if (!claimed) return s;
    const session = await tx.assignOldestPending(s.id, now);
    if (!session) {
      // Nobody waits: put it back (same transaction, so nobody saw it allocated).
      return (await tx.transitionServer(s.id, [ServerState.Allocated], ServerState.Ready, {}, now)) ?? s;
    }
    queueMicrotask(() => this.d.waiter.notify(session.id));
    return claimed;
  }

  /**
   * After its session ended: back to the pool (recycling) or shut down. Returns the row;
   * the caller tears down a shutdown server after the transaction commits.
   */
  async release(tx: Store, server: Server): Promise<Server | null> {
    const now = this.d.clock.now();
    if (server.origin === 'external') {
      return tx.transitionServer(server.id, [server.state], ServerState.Deleted, { reason: 'ended (external server)' }, now);
    }
    if (this.d.recycleServers && server.state === ServerState.Allocated) {
      const s = await tx.transitionServer(server.id, [ServerState.Allocated], ServerState.Ready, { players: 0, readyAtMs: now }, now);
      return s ? this.offerToPending(tx, s) : null;
    }
    return tx.transitionServer(server.id, [server.state], ServerState.Shutdown, { reason: 'session ended' }, now);
  }

  /**
   * Deletes a shutdown server's machine and marks the row deleted once the provider confirms.
   * Returns true when confirmed; false leaves it for the reconciler's next pass.
   */
  async teardown(server: Server): Promise<boolean> {
    const now = () => this.d.clock.now();
    // Without a machine id the reconciler finds the machine by listing (its name carries our id).
    if (server.origin !== 'external' && !server.providerId) return false;
    try {
      const res = server.providerId ? await this.d.provider.delete(server.providerId) : 'gone';
      if (res !== 'gone') return false;
      await this.d.store.transitionServer(server.id, [ServerState.Shutdown, ServerState.Unhealthy, ServerState.Error], ServerState.Deleted, {}, now());
      return true;
    } catch (err) {
      this.d.log.warn({ serverId: server.id, err: (err as Error).message }, 'delete failed; will retry');
      return false;
    }
  }
}
