import { OrchestratorError } from '../domain/errors.js';
import { EndReason, SessionState, type Session } from '../domain/session.js';

/**
 * The one Idempotency-Key rule, the same on the original's start and on /v1:
 * - `same`: the key names a live session (pending or active): a retry gets that session.
 * - `retry`: the key's session ended before it had a server because the start failed (it
 *   timed out, the service was shutting down, or its waiting request died). The client was
 *   told to retry, so a retry under the same key starts a new session and the key names it.
 * - `ended`: the session was played and ended, or an operator cancelled it. That is final:
 *   a retry is refused (409), never a second session under the key.
 */
export type KeyUse = 'same' | 'retry' | 'ended';

const FAILED_STARTS: ReadonlySet<string> = new Set([
  EndReason.StartTimeout,
  EndReason.ShuttingDown,
  EndReason.Abandoned,
]);

export function keyUse(s: Session): KeyUse {
  if (s.state !== SessionState.Ended) return 'same';
  if (s.activatedAtMs === null && s.endReason !== null && FAILED_STARTS.has(s.endReason)) return 'retry';
  return 'ended';
}

/** The refusal of a start whose key names a session that is over (`ended`). */
export function keyEndedError(s: Session): OrchestratorError {
  return new OrchestratorError(
    'conflict',
    `The session this Idempotency-Key names has ended (${s.endReason}); start a new one with a new Idempotency-Key`,
  );
}
