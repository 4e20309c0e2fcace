import { EventKind } from '../domain/events.js';
import { canTransitionServer, ServerState, type Server } from '../domain/server.js';
import type { ServerPatch, Tx } from '../store/store.js';
import type { Log } from '../util/log.js';

/** Moves refused because they are not in SERVER_TRANSITIONS (bugs), counted for tests and status. */
export const refusedMoves = { count: 0 };

/**
 * The one place a server changes state. The move is checked against SERVER_TRANSITIONS at run
 * time: a `from` state that may not go to `to` is a bug in the caller, refused (nothing
 * changes) and logged as such. An allowed move is one conditional UPDATE (null when the row
 * was not in `from`: a lost race, not an error) plus its event, in the caller's transaction.
 *
 * Nothing else calls Store.transitionServer (test/unit/fleet/one-seam.test.ts checks).
 */
export async function moveServer(
  tx: Tx,
  log: Log,
  id: string,
  from: readonly ServerState[],
  to: ServerState,
  patch: ServerPatch,
  nowMs: number,
): Promise<Server | null> {
  const illegal = from.filter((f) => !canTransitionServer(f, to));
  if (illegal.length > 0 || from.length === 0) {
    refusedMoves.count++;
    log.error(
      { serverId: id, from: illegal, to, bug: true },
      'bug: refused a server move that SERVER_TRANSITIONS does not allow',
    );
    return null;
  }
  // With several `from` states the event names the one the row was in (read in this transaction),
  // so its log line says what was deleted from (it said from=null).
  const was = from.length === 1 ? from[0]! : ((await tx.getServer(id))?.state ?? null);
  const s = await tx.transitionServer(id, from, to, patch, nowMs);
  if (s) {
    tx.recordEvent({
      atMs: nowMs,
      kind: to === ServerState.Deleted ? EventKind.ServerDeleted : EventKind.ServerStateChanged,
      serverId: id,
      sessionId: null,
      data: {
        from: was,
        to,
        // No reason given (a teardown): the row's own, why it was shut down.
        reason: patch.reason === undefined ? s.reason : patch.reason,
        origin: s.origin,
        ip: s.ip,
      },
    });
  }
  return s;
}
