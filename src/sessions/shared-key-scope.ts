import { OrchestratorError } from '../domain/errors.js';
import { EXTERNAL_ORIGIN, type Server } from '../domain/server.js';

/**
 * A server this orchestrator made holds its own credential and answers to it only: a caller
 * signing with the shared key (no Server-Id) may drive external servers, not ours, unless
 * SHARED_KEY_DRIVES_MANAGED keeps the original's behaviour for images mid-migration. Without
 * this the shared key set a managed server's players and ended its session (issue 21 item 6),
 * and an external server whose address a new machine of ours received kept driving that
 * machine's row (item 5). Throw inside the caller's transaction: nothing it wrote stays.
 */
export function assertSharedKeyMayDrive(callerServerId: string | null, s: Server, allowManaged: boolean): void {
  if (callerServerId !== null || allowManaged || !holdsOwnCredential(s)) return;
  throw new OrchestratorError(
    'address_conflict',
    `Address ${s.ip ?? ''} belongs to a server this orchestrator made; it answers only to its own credential (Server-Id), not the shared key`,
  );
}

/**
 * Whether the server's machine was launched with its own credential: a row this orchestrator
 * reserved (ServerOps.reserve sets its owner, and launch hands the machine SERVER_ID and
 * SERVER_CREDENTIAL). Rows imported from the original service's database have no owner: their
 * droplets were made by the original and know only the shared key, so it keeps driving them.
 */
export function holdsOwnCredential(s: Server): boolean {
  return s.origin !== EXTERNAL_ORIGIN && s.owner != null;
}
