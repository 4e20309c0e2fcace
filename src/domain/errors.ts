/** Every error the core raises on purpose; mapped to HTTP in one place (http/error-handler.ts). */
export type ErrorCode =
  | 'not_found'
  | 'invalid_input'
  | 'unauthorized'
  | 'stale_signature'
  | 'unavailable'
  | 'capacity'
  | 'start_timeout'
  | 'rate_limited'
  | 'conflict'
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
