import { ACTIVE_SERVER_STATES, EXTERNAL_ORIGIN, ServerState, type Server } from '../domain/server.js';
import { EndReason, type Session } from '../domain/session.js';
import type { ServerPatch, Tx } from '../store/store.js';

/** The two ServerOps verbs used here (named by shape: server-ops.ts imports this module). */
export interface YieldOps {
  move(tx: Tx, id: string, from: readonly ServerState[], to: ServerState, patch?: ServerPatch): Promise<Server | null>;
  endSession(tx: Tx, session: Pick<Session, 'id'>, reason: EndReason): Promise<unknown>;
}

/**
 * The provider's address is the truth: when a machine we made receives an address that an
 * external (shared-key) row holds, that row yields: it is deleted with a reason and its live
 * session ends (server_lost), in the caller's transaction, so the machine's row can take the
 * address. Without this the machine's row failed on the unique address index every pass and
 * stayed `creating`, billed, forever (issue 21 item 5). The external server's later heartbeats
 * name an address a machine of ours holds and are refused (see shared-key-scope.ts).
 * Rows of our own making are not touched here: a listing that gives their address to another
 * machine also marks them lost in the same pass.
 */
export async function yieldAddressToMachine(tx: Tx, ops: YieldOps, serverId: string, ip: string): Promise<void> {
  const holder = await tx.findActiveServerByIp(ip);
  if (!holder || holder.id === serverId || holder.origin !== EXTERNAL_ORIGIN) return;
  // A machine whose row is on its way out takes no address from anyone.
  const own = await tx.getServer(serverId);
  if (!own || !ACTIVE_SERVER_STATES.includes(own.state)) return;
  const reason = `address ${ip} now belongs to a machine this orchestrator made (server ${serverId})`;
  const moved = await ops.move(tx, holder.id, ACTIVE_SERVER_STATES, ServerState.Deleted, { reason });
  if (!moved) return;
  const session = await tx.findLiveSessionByServer(holder.id);
  if (session) await ops.endSession(tx, session, EndReason.ServerLost);
}
