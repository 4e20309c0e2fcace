import type { FastifyInstance, FastifyRequest } from 'fastify';
import { OrchestratorError } from '../domain/errors.js';

/**
 * A query parameter given twice is refused on every route that declares its query (/v1 and the
 * operator routes): "the last value wins" let `/server/end?droplet_ip=<one>&droplet_ip=<another>`
 * act on the other one (issue 21 item 6). Ajv refused most such arrays already, but in its own
 * words ("/wait must be number"); this says what is wrong. Runs after every onRequest guard, so
 * a caller without credentials still gets 401 first. The original routes check their own
 * query in their handlers, after the signature (compat-validation.ts's singleQuery).
 */
export function refuseRepeatedQuery(app: FastifyInstance): void {
  // A callback hook, not an async one: it runs on every request. The query is looked at first
  // (most have none); the route's schema (req.routeOptions builds an object on every read) only
  // when a parameter is given twice.
  app.addHook('preValidation', (req, _reply, done) => {
    done(repeatedIn(req));
  });
}

/** The refusal for the first parameter given more than once on a route that declares its query; undefined when none. */
function repeatedIn(req: FastifyRequest): OrchestratorError | undefined {
  const q: unknown = req.query;
  if (!q || typeof q !== 'object') return undefined;
  const entries: [string, unknown][] = Object.entries(q);
  for (const [name, value] of entries) {
    if (Array.isArray(value) && value.length > 1)
      return req.routeOptions.schema?.querystring
        ? new OrchestratorError('invalid_input', `${name} is given more than once`)
        : undefined;
  }
  return undefined;
}
