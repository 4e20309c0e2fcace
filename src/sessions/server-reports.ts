import { OrchestratorError } from '../domain/errors.js';
import { INVALID_SIGNATURE } from '../domain/hmac.js';
import { ACTIVE_SERVER_STATES, EXTERNAL_ORIGIN, ServerState, type Server } from '../domain/server.js';
import { EndReason } from '../domain/session.js';
import { recordServerReport } from '../fleet/server-reports.js';
import { Rollback, rollBack, type Tx } from '../store/store.js';
import { assertSharedKeyMayDrive } from './shared-key-scope.js';
import { afterHeartbeat, registerExternal } from './server-pool-moves.js';
import type { ServerRef, SessionDeps, Unspent } from './session-deps.js';

/** A game server's report: players now, and (by id) the address it believes it has. */
export interface HeartbeatReport {
  server: ServerRef;
  players: number;
  /** With `{id}`: the address the server reports; the provider's address stays the truth. */
  address?: string;
  unspent?: Unspent;
}

/** What a heartbeat changed, for the answer and the log. */
export interface HeartbeatResult {
  server: Server;
  /** Set when the reported address was not taken (the provider's address is the truth). */
  addressIgnored: { reported: string; kept: string | null } | null;
}

/**
 * A game server's reports, for both APIs, keyed by a server reference: heartbeat (the first
 * one, or ready, makes a booting server ready) and end (its game is over).
 */
export class ServerReports {
  constructor(
    private readonly deps: SessionDeps,
    /** SHARED_KEY_DRIVES_MANAGED (see shared-key-scope.ts). */
    private readonly sharedKeyDrivesManaged = false,
    /** Whether game servers may be on loopback addresses (the local provider). */
    private readonly loopbackServers = false,
  ) {}

  /** Remembers a verified signature on its own; false when it was already used (a replay). */
  spendSignature(unspent: Unspent): Promise<boolean> {
    return this.deps.store.rememberSignature(unspent.signature, this.deps.clock.now(), unspent.expiresAtMs);
  }

  /**
   * A game server reports in. Unknown addresses (signed with the shared key) register as
   * external servers; the first heartbeat makes a server ready. For machines we made, the
   * provider's address is the truth: a different self-reported address is ignored (and said so).
   */
  async heartbeat(r: HeartbeatReport): Promise<HeartbeatResult> {
    const result = await this.deps.store.transaction((tx) => this.heartbeatIn(tx, r));
    if (result instanceof Rollback) throw result.reason;
    if (result === 'replayed') throw new OrchestratorError('unauthorized', INVALID_SIGNATURE);
    if (!result) throw new OrchestratorError('not_found', 'No live server has this address');
    if (result.addressIgnored) {
      const { reported, kept } = result.addressIgnored;
      this.deps.log.warn(
        { serverId: result.server.id, reported, kept },
        'heartbeat reported another address; the provider’s address is kept',
      );
    }
    return result;
  }

  private async heartbeatIn(tx: Tx, r: HeartbeatReport): Promise<HeartbeatOutcome> {
    const { ops, clock } = this.deps;
    const now = clock.now();
    const { unspent, players } = r;
    // A replay changes nothing; it is answered like any other bad signature.
    if (unspent && !(await tx.rememberSignature(unspent.signature, now, unspent.expiresAtMs))) return 'replayed';
    const byIp = 'ip' in r.server ? r.server.ip : null;
    // Fast path (the steady state): a server in service, found and updated in one statement.
    const inService = byIp === null ? null : await tx.recordHeartbeatByIp(byIp, players, now);
    if (inService) {
      this.mayDrive(r.server, inService);
      return { server: await afterHeartbeat(this.deps, tx, inService, players, now), addressIgnored: null };
    }
    const s = await findServer(tx, r.server);
    if (s) this.mayDrive(r.server, s);
    if (!s)
      return byIp === null
        ? null
        : {
            server: await registerExternal(this.deps, tx, byIp, players, now, this.loopbackServers),
            addressIgnored: null,
          };
    const reported = byIp ?? r.address;
    const differs = reported !== undefined && s.origin !== EXTERNAL_ORIGIN && s.ip !== reported;
    const conflict = differs ? await refuseForeignAddress(tx, s, reported) : null;
    if (conflict) return conflict;
    const addressIgnored = differs ? { reported, kept: s.ip } : null;
    const patch = { players, lastHeartbeatAtMs: now };
    if ((s.state === ServerState.Creating || s.state === ServerState.Starting) && s.ip) {
      const ready = await ops.move(tx, s.id, [s.state], ServerState.Ready, { ...patch, readyAtMs: now });
      return ready ? { server: await ops.offerToPending(tx, ready), addressIgnored } : null;
    }
    const updated = await recordServerReport(tx, s.id, players, now);
    return updated ? { server: await afterHeartbeat(this.deps, tx, updated, players, now), addressIgnored } : null;
  }

  /**
   * The game server says its game is over: the session ends and the machine is deleted (or
   * recycled). Recorded durably first; the delete is attempted at once and retried by the
   * reconciler until the provider confirms. `address`: the one the caller names, checked
   * against a server named by id.
   */
  async end(ref: ServerRef, address?: string): Promise<{ external: boolean }> {
    const { store, ops } = this.deps;
    const server = await store.transaction(async (tx) => {
      const s = await findServer(tx, ref);
      if (!s) return null;
      this.mayDrive(ref, s);
      if (address !== undefined && s.origin !== EXTERNAL_ORIGIN && s.ip !== null && s.ip !== address) {
        const why = `Address ${address} is not this server's address (${s.ip}); nothing was ended`;
        return rollBack(new OrchestratorError('address_conflict', why));
      }
      const session = await tx.findLiveSessionByServer(s.id);
      const ended = session ? await ops.endSession(tx, session, EndReason.ServerEnded) : null;
      return ended?.server ?? (await ops.retire(tx, s, 'ended by the game server'));
    });
    if (server instanceof Rollback) throw server.reason;
    if (!server) throw new OrchestratorError('not_found', 'No live server has this address');
    if (server.state === ServerState.Shutdown) {
      void ops.teardown(server).then((done) => done || this.deps.reconcileSoon());
    }
    // Recycled: the pool policy decides at once whether to keep it (not a whole interval later).
    if (server.state === ServerState.Ready) this.deps.reconcileSoon();
    return { external: server.origin === EXTERNAL_ORIGIN };
  }

  /** The shared key drives external servers only (issue 21); a throw here rolls the body back. */
  private mayDrive(ref: ServerRef, s: Server): void {
    assertSharedKeyMayDrive('id' in ref ? ref.id : null, s, this.sharedKeyDrivesManaged);
  }
}

type HeartbeatOutcome = HeartbeatResult | 'replayed' | null | Rollback<OrchestratorError>;

/** The live server a reference names. */
async function findServer(tx: Tx, ref: ServerRef): Promise<Server | null> {
  if ('ip' in ref) return tx.findActiveServerByIp(ref.ip);
  const s = await tx.getServer(ref.id);
  return s && ACTIVE_SERVER_STATES.includes(s.state) ? s : null;
}

/** A reported address that another live server holds is a conflict, never a silent overwrite. */
async function refuseForeignAddress(tx: Tx, s: Server, ip: string): Promise<Rollback<OrchestratorError> | null> {
  const holder = await tx.findActiveServerByIp(ip);
  if (!holder || holder.id === s.id) return null;
  const why = `Address ${ip} belongs to another server; this server's address is ${s.ip ?? 'not known yet'}`;
  return rollBack(new OrchestratorError('address_conflict', why));
}
