import type { FleetEvent } from '../domain/events.js';
import type { Server } from '../domain/server.js';
import type { PlacementReason } from '../domain/placement.js';
import type { Session } from '../domain/session.js';
import type { SessionDetails } from './v1-types.js';

/** What a warm start in one statement needs (Store.startOnReadyServer). */
export interface WarmStartInput {
  nowMs: number;
  /** A ready server not heard from since then is not claimed (absent: no bound). */
  heardSinceMs?: number;
  /** Claim in this region only (absent: any). */
  region?: string;
  /** The new session's id and share code; asked again when a live session has the code. */
  fresh: () => { id: string; code: string };
  /** /v1's max_players and metadata. */
  details?: SessionDetails;
  /** Why the session is in its region (sessions.placement); absent: null (the original routes). */
  placement?: PlacementReason | null;
  /**
   * Bound to the new session. A key already stored (or stored by a racing start meanwhile)
   * makes the call write nothing and return null: the transaction decides what it names.
   */
  idempotencyKey?: { key: string; expiresAtMs: number };
}

/** A warm start done: the claimed server (allocated), its new active session, and their events. */
export interface WarmStarted {
  server: Server;
  session: Session;
  events: FleetEvent[];
}
