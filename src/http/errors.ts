import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { OrchestratorError } from '../domain/errors.js';
import { outageError } from '../store/db-outage.js';
import { sendError } from './error-table.js';

/** Statuses Fastify's own errors may carry that a client can cause; anything else becomes 500. */
export const CLIENT_STATUSES = new Set([400, 404, 405, 408, 411, 413, 414, 415, 422, 429, 431]);

/**
 * The service's own error shape, `{"error": {"code", "message"}}`, for every plugin that does
 * not set its own (the original's routes answer FastAPI's `{"detail": …}` in their plugin).
 * 5xx never shows internals; every client mistake is a 4xx with a reason.
 */
export function neutralErrorHandler(err: FastifyError | OrchestratorError, req: FastifyRequest, reply: FastifyReply) {
  if (err instanceof OrchestratorError) return sendError('operator', err, req, reply);
  const outage = outageError(err);
  if (outage) return sendError('operator', outage, req, reply);
  const fe = err;
  if (fe.validation) return reply.code(400).send({ error: { code: 'invalid_input', message: fe.message } });
  const status = fe.statusCode && CLIENT_STATUSES.has(fe.statusCode) ? fe.statusCode : 500;
  if (status >= 500) {
    req.log.error({ err }, 'unexpected error');
    return reply.code(500).send({ error: { code: 'internal', message: 'Internal Server Error' } });
  }
  return reply.code(status).send({ error: { code: 'invalid_input', message: fe.message || 'Bad Request' } });
}
