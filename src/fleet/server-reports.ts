import { ACTIVE_SERVER_STATES, type Server } from '../domain/server.js';
import type { StoreVerbs } from '../store/store.js';

/** The statements a server's report uses; a transaction's handle has them whatever its type is named. */
type ReportStatements = Pick<StoreVerbs, 'patchServer' | 'touchSessionPlayed'>;

/**
 * A report (heartbeat) from a server in service: players and heartbeat time, no state change,
 * so no event. A fleet verb like the others, so every write to a server row goes through
 * src/fleet (test/unit/fleet/one-seam.test.ts). Null when the server is no longer in service.
 */
export function recordServerReport(
  tx: ReportStatements,
  serverId: string,
  players: number,
  nowMs: number,
): Promise<Server | null> {
  return tx.patchServer(serverId, ACTIVE_SERVER_STATES, { players, lastHeartbeatAtMs: nowMs }, nowMs);
}

/** Players on the server: the idle clock of the live session it holds starts again. */
export function markSessionPlayed(tx: ReportStatements, serverId: string, nowMs: number): Promise<void> {
  return tx.touchSessionPlayed(serverId, nowMs);
}
