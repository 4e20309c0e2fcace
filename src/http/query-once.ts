import type { FastifyInstance } from 'fastify';
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
  app.addHook('preValidation', async (req) => {
    if (!req.routeOptions.schema?.querystring) return;
    const q: unknown = req.query;
    if (!q || typeof q !== 'object') return;
    const entries: [string, unknown][] = Object.entries(q);
    for (const [name, value] of entries) {
      if (Array.isArray(value) && value.length > 1)
        throw new OrchestratorError('invalid_input', `${name} is given more than once`);
    }
  });
}
