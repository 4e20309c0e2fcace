/** Session lifecycle: pending (waiting for a server) → active → ended. */
export const SessionState = {
  Pending: 'pending',
  Active: 'active',
  Ended: 'ended',
} as const;
export type SessionState = (typeof SessionState)[keyof typeof SessionState];

export const SESSION_TRANSITIONS: Readonly<Record<SessionState, readonly SessionState[]>> = {
  pending: ['active', 'ended'],
  active: ['ended'],
  ended: [],
};

export function canTransitionSession(from: SessionState, to: SessionState): boolean {
  return SESSION_TRANSITIONS[from].includes(to);
}

/** Why a session ended; kept for operators and the cost report. */
export const EndReason = {
  ServerEnded: 'server_ended',
  Idle: 'idle',
  MaxLifetime: 'max_lifetime',
  StartTimeout: 'start_timeout',
  ServerLost: 'server_lost',
  Cancelled: 'cancelled',
  /** A pending session whose waiting request died with its process (crash, restart). */
  Abandoned: 'abandoned',
  /** A pending session whose service was stopping (SIGTERM) before a server was ready. */
  ShuttingDown: 'shutting_down',
  /** A pending session whose region's provider refused creates, with no other region to re-place it in (issue 23). */
  RegionUnavailable: 'region_unavailable',
} as const;
export type EndReason = (typeof EndReason)[keyof typeof EndReason];

/** One row of the sessions table. Times are epoch milliseconds. */
export interface Session {
  id: string;
  /** Share code, stored upper-case; unique among sessions that are not ended. */
  code: string;
  state: SessionState;
  serverId: string | null;
  createdAtMs: number;
  activatedAtMs: number | null;
  endedAtMs: number | null;
  endReason: EndReason | null;
  /** Last time the server reported players (or the activation time): the idle clock. */
  lastPlayedAtMs: number | null;
  /** The region its server is in, or is made in while it waits (REGIONS; the original routes: the default region). */
  region: string;
  /** Why it was placed in that region (a placement reason code, src/domain/placement.ts); null: the default region, no choice made. */
  placement: string | null;
  /** Whether the start that made it had to wait for a new server (a cold start, not a warm claim). */
  coldStart: boolean;
  /** The process whose request waits for this pending session, and until when that holds. */
  owner?: string | null;
  leaseUntilMs?: number | null;
}
