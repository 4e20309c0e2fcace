import { OrchestratorError } from '../domain/errors.js';

/*
 * A database that is down, restarting, frozen or out of connections is an outage, not a bug:
 * requests meeting one are answered 503 with Retry-After (clients and game servers retry), not
 * 500. These are the errors the pg driver and PostgreSQL give in those cases.
 */

/** SQLSTATEs of an unreachable or unwilling server: class 08 (connection), shutdown, overload, timeouts. */
const OUTAGE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '53400', '57014']);
const OUTAGE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTCONN']);
/** The pg driver's and pg-pool's own messages for a lost, refused or timed-out connection. */
const OUTAGE_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'timeout expired',
  'Query read timeout',
  'not queryable',
  'Cannot use a pool after calling end',
];

/** Seconds a client is asked to wait before retrying during a database outage. */
export const OUTAGE_RETRY_AFTER_S = 2;

/** Whether err says the database could not be reached or answer in time. */
export function isDatabaseOutage(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (code.startsWith('08') || OUTAGE_SQLSTATES.has(code) || OUTAGE_ERRNOS.has(code)))
    return true;
  return OUTAGE_MESSAGES.some((m) => err.message.includes(m));
}

/** The error a request answers with when the database is out: 503, Retry-After, no internals. */
export function outageError(err: unknown): OrchestratorError | null {
  if (!isDatabaseOutage(err)) return null;
  return new OrchestratorError('unavailable', 'The database is unavailable; retry shortly', OUTAGE_RETRY_AFTER_S);
}
