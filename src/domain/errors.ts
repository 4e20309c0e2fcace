/**
 * Every error the core raises on purpose, by code, with a neutral message. HTTP status comes
 * from http/errors.ts; each HTTP plugin words and shapes errors for its own clients.
 */
export type ErrorCode =
  | 'not_found'
  | 'invalid_input'
  | 'unauthorized'
  | 'stale_signature'
  | 'signing_disabled'
  | 'unavailable'
  | 'capacity'
  | 'start_timeout'
  | 'rate_limited'
  | 'conflict'
  | 'address_conflict'
  | 'provider_error'
  | 'internal';

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
