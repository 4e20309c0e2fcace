import type { FastifyError, FastifyInstance } from 'fastify';
import { OrchestratorError } from '../../domain/errors.js';
import { outageError } from '../../store/db-outage.js';
import { sendError } from '../error-table.js';

/** Fastify's own client errors, by status, with the /v1 code they get. */
const FRAMEWORK_CODES: Record<number, string> = {
  400: 'invalid_input',
  404: 'not_found',
  405: 'method_not_allowed',
  408: 'request_timeout',
  411: 'length_required',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  431: 'headers_too_large',
};

const body = (code: string, message: string) => ({ error: { code, message } });

/**
 * Errors inside /v1 as `{"error": {"code", "message"}}`, set on the /v1 plugin only
 * (Fastify encapsulation): the original's routes keep their `{"detail"}` shapes. 5xx bodies
 * never show internals. `routeMethods`: every route's path pattern and methods (the app's),
 * so a wrong method is a 405 with `Allow` (also for /v1 routes registered outside this plugin).
 */
export function installV1ErrorHandling(app: FastifyInstance, routeMethods: () => Map<RegExp, Set<string>>): void {
  app.setErrorHandler((err: FastifyError | OrchestratorError, req, reply) => {
    if (err instanceof OrchestratorError) return sendError('v1', err, req, reply);
    const outage = outageError(err);
    if (outage) return sendError('v1', outage, req, reply);
    if (err.validation)
      return reply
        .code(400)
        .send(body('invalid_input', `${err.validationContext ?? 'request'}: ${validationText(err)}`));
    if (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY')
      return reply.code(400).send(body('invalid_input', 'The body is not valid JSON'));
    if (err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY')
      return reply.code(400).send(body('invalid_input', 'The body is empty; send a JSON object'));
    const status = err.statusCode && FRAMEWORK_CODES[err.statusCode] ? err.statusCode : 500;
    if (status === 500) {
      req.log.error({ err }, 'unexpected error');
      return reply.code(500).send(body('internal', 'Internal Server Error'));
    }
    return reply.code(status).send(body(FRAMEWORK_CODES[status]!, frameworkMessage(status)));
  });

  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? '/';
    const allowed = new Set<string>();
    for (const [re, methods] of routeMethods()) if (re.test(path)) methods.forEach((m) => allowed.add(m));
    if (allowed.size > 0) {
      const allow = [...allowed].sort().join(', ');
      return reply
        .code(405)
        .header('allow', allow)
        .send(body('method_not_allowed', `Allowed: ${allow}`));
    }
    return reply.code(404).send(body('not_found', `No route ${req.method} ${path}`));
  });
}

/** Ajv's messages, joined; they name the field and never echo the input. */
function validationText(err: FastifyError): string {
  const items = err.validation ?? [];
  const text = items
    .slice(0, 5)
    .map((v) => `${v.instancePath || '/'} ${v.message ?? 'is invalid'}`.trim())
    .join('; ');
  return text || err.message;
}

function frameworkMessage(status: number): string {
  switch (status) {
    case 413:
      return 'The request body is too large';
    case 415:
      return 'Unsupported Content-Type: send application/json';
    default:
      return 'Bad request';
  }
}
