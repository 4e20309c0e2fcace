import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OrchestratorError } from '../domain/errors.js';
import { outageError } from '../store/db-outage.js';
import { sendError } from './error-table.js';
import { CLIENT_STATUSES } from './errors.js';
import { pydanticError } from './pydantic-errors.js';

/**
 * Errors of the original's routes, shaped as the original (FastAPI) did: `{"detail": …}`,
 * its wording, and pydantic's 422 shape. Scoped to the plugin that serves those routes (and
 * to unknown URLs, which the original answered too); other plugins answer in their own shape.
 * 5xx never shows internals, and every client mistake is a 4xx with a reason.
 */
export function installCompatErrorHandling(
  app: FastifyInstance,
  routeMethods: () => Map<RegExp, Set<string>>,
  /** Answers errors of the routes' own validation first; null passes the error on. */
  first: (err: unknown, reply: FastifyReply) => FastifyReply | null = () => null,
): void {
  app.setErrorHandler((err: FastifyError | OrchestratorError, req: FastifyRequest, reply: FastifyReply) => {
    const answered = first(err, reply);
    if (answered) return answered;
    if (err instanceof OrchestratorError) return sendError('original', err, req, reply);
    const outage = outageError(err);
    if (outage) return sendError('original', outage, req, reply);
    const fe = err;
    if (fe.validation) {
      return reply.code(422).send(pydanticError(fe.validation, fe.validationContext ?? 'body', req));
    }
    if (fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
      return reply.code(422).send({
        detail: [
          {
            type: 'json_invalid',
            loc: ['body', 0],
            msg: 'JSON decode error',
            input: {},
            ctx: { error: 'Expecting value' },
          },
        ],
      });
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
      return reply
        .code(405)
        .header('allow', [...allowed].sort().join(', '))
        .send({ detail: 'Method Not Allowed' });
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
