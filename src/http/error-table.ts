import type { FastifyReply, FastifyRequest } from 'fastify';
import { Refusal, type ErrorCode, type OrchestratorError, type RefusalReason } from '../domain/errors.js';

/** The three shapes errors are answered in: the original's routes, /v1, and the operator routes. */
export type Surface = 'original' | 'v1' | 'operator';

interface Row {
  /** The status on every surface, unless the row names another for /v1. */
  status: number;
  /**
   * /v1 answers every bad input with 400 (its OpenAPI document and the SDKs say so); the
   * original's routes and the operator routes keep FastAPI's 422.
   */
  v1Status?: number;
  /** The original service's words (seed-contract.md); without one, the core's message. */
  original?: string;
}

/**
 * The one table: each core code's status and wording on each surface. Only `internal` is a
 * 500; the other 5xx are the deliberate "retry later" answers (503 with Retry-After, 502 for
 * a provider that failed), which the original's contract has.
 */
export const ERROR_TABLE: Readonly<Record<ErrorCode, Row>> = {
  not_found: { status: 404, original: 'Droplet not found in database.' },
  invalid_input: { status: 422, v1Status: 400 },
  unauthorized: { status: 401, original: 'Invalid HMAC signature.' },
  stale_signature: { status: 401, original: 'Stale HMAC signature.' },
  signing_disabled: { status: 503, original: 'Internal endpoint unavailable.' },
  unavailable: { status: 503 },
  capacity: { status: 503 },
  start_timeout: { status: 503 },
  rate_limited: { status: 429 },
  conflict: { status: 409 },
  address_conflict: { status: 409 },
  provider_error: { status: 502 },
  internal: { status: 500 },
};

/**
 * The refusals /v1 names by their reason (`error.code`), each raised with the core code whose row
 * gives its status. Placement (issue 23): `unknown_region` 400, `no_region_within_latency` 409,
 * `regions_unavailable` 503 with Retry-After.
 */
export const V1_REFUSALS: Readonly<Record<RefusalReason, ErrorCode>> = {
  session_full: 'conflict',
  session_not_ready: 'conflict',
  session_ended: 'conflict',
  server_busy: 'conflict',
  unknown_region: 'invalid_input',
  no_region_within_latency: 'conflict',
  regions_unavailable: 'unavailable',
};

export interface ErrorAnswer {
  status: number;
  body: unknown;
  retryAfterS?: number;
}

/** 5xx bodies never show internals. */
const INTERNAL = 'Internal Server Error';

/** How `surface` answers a core error: status, body (in its shape) and Retry-After. */
export function errorAnswer(surface: Surface, err: OrchestratorError): ErrorAnswer {
  const row = ERROR_TABLE[err.code];
  const status = surface === 'v1' ? (row.v1Status ?? row.status) : row.status;
  const message = err.code === 'internal' ? INTERNAL : err.message;
  const retry = err.retryAfterS === undefined ? {} : { retryAfterS: err.retryAfterS };
  if (surface === 'original') return { status, body: { detail: row.original ?? message }, ...retry };
  const code = surface === 'v1' && err instanceof Refusal ? err.reason : err.code;
  return { status, body: { error: { code, message } }, ...retry };
}

/** Sends errorAnswer's answer (and logs a 5xx without its internals reaching the client). */
export function sendError(surface: Surface, err: OrchestratorError, req: FastifyRequest, reply: FastifyReply) {
  const a = errorAnswer(surface, err);
  if (a.retryAfterS !== undefined) reply.header('retry-after', String(a.retryAfterS));
  if (a.status >= 500) req.log.warn({ code: err.code, msg: err.message }, 'request failed');
  return reply.code(a.status).send(a.body);
}
