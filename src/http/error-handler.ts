import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OrchestratorError, type ErrorCode } from '../domain/errors.js';
import { pydanticError } from './pydantic-errors.js';

const STATUS: Record<ErrorCode, number> = {
  not_found: 404,
  invalid_input: 422,
  unauthorized: 401,
  stale_signature: 401,
  unavailable: 503,
  capacity: 503,
  start_timeout: 503,
  rate_limited: 429,
  conflict: 409,
  provider_error: 502,
  internal: 500,
};

/** Statuses Fastify's own errors may carry that a client can cause; anything else becomes 500. */
const CLIENT_STATUSES = new Set([400, 404, 405, 408, 411, 413, 414, 415, 422, 429, 431]);

/**
 * The one place errors become HTTP. Bodies are `{"detail": ...}` like the original (FastAPI);
 * 5xx never shows internals, and every client mistake is a 4xx with a reason.
 */
export function installErrorHandling(app: FastifyInstance, routeMethods: () => Map<RegExp, Set<string>>): void {
  app.setErrorHandler((err: FastifyError | OrchestratorError, req: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof OrchestratorError) {
      const status = STATUS[err.code];
      if (err.retryAfterS !== undefined) reply.header('retry-after', String(err.retryAfterS));
      if (status >= 500) req.log.warn({ code: err.code, msg: err.message }, 'request failed');
      return reply.code(status).send({ detail: err.message });
    }
    const fe = err as FastifyError;
    if (fe.validation) {
      return reply.code(422).send(pydanticError(fe.validation, fe.validationContext ?? 'body', req));
    }
    if (fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
      return reply.code(422).send({ detail: [{ type: 'json_invalid', loc: ['body', 0], msg: 'JSON decode error', input: {}, ctx: { error: 'Expecting value' } }] });
    }
    const status = fe.statusCode && CLIENT_STATUSES.has(fe.statusCode) ? fe.statusCode : 500;
    if (status >= 500) {
      req.log.error({ err }, 'unexpected error');
      return reply.code(500).send({ detail: 'Internal Server Error' });
    }
    return reply.code(status).send({ detail: clientMessage(status, fe) });
  });

  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? '/';
    const allowed = new Set<string>();
    for (const [re, methods] of routeMethods()) if (re.test(path)) methods.forEach((m) => allowed.add(m));
    if (allowed.size > 0) {
      return reply.code(405).header('allow', [...allowed].sort().join(', ')).send({ detail: 'Method Not Allowed' });
    }
    return reply.code(404).send({ detail: 'Not Found' });
  });
}

function clientMessage(status: number, err: FastifyError): string {
  switch (status) {
    case 413:
      return 'Request body is too large';
    case 415:
      return 'Unsupported Media Type';
    case 400:
      return err.message && !/^FST_/.test(err.message) ? err.message : 'Bad Request';
    default:
      return err.message || 'Bad Request';
  }
}
