/**
 * Every error the core raises on purpose, by code, with a neutral message. HTTP status comes
 * from http/error-table.ts; each HTTP surface words and shapes errors for its own clients.
 */
export const ERROR_CODES = [
  'not_found',
  'invalid_input',
  'unauthorized',
  'stale_signature',
  'signing_disabled',
  'unavailable',
  'capacity',
  'start_timeout',
  'rate_limited',
  'conflict',
  'address_conflict',
  'provider_error',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class OrchestratorError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Seconds a client should wait before retrying, when that is known. */
    readonly retryAfterS?: number,
  ) {
    super(message);
    this.name = 'OrchestratorError';
  }
}

/** Why a session verb refused, more precisely than its code (a 409 "full" is not a 409 "not ready yet"). */
export type RefusalReason =
  | 'session_full'
  | 'session_not_ready'
  | 'session_ended'
  | 'server_busy'
  // Placement (issue 23): a region not of this fleet; none within the latency cap; none can take a start now.
  | 'unknown_region'
  | 'no_region_within_latency'
  | 'regions_unavailable';

/** A refusal /v1 names by its reason (its `error.code`); other surfaces answer by the core code. */
export class Refusal extends OrchestratorError {
  constructor(
    code: ErrorCode,
    readonly reason: RefusalReason,
    message: string,
    retryAfterS?: number,
  ) {
    super(code, message, retryAfterS);
  }
}
