import { Ajv, type Options, type ValidateFunction } from 'ajv';
import type { FastifyInstance } from 'fastify';

/** Fastify's own Ajv options (@fastify/ajv-compiler's defaults). */
const FASTIFY_AJV: Options = {
  coerceTypes: 'array',
  useDefaults: true,
  removeAdditional: true,
  addUsedSchema: false,
  // Never true: with every error collected, a hostile body costs as much as it likes.
  allErrors: false,
};

/** How a query string spells an integer or a number: plain decimal digits, bounded (never `Infinity`, `1e309`, `0x10`, ` 5`). */
const QUERY_INTEGER = /^-?[0-9]{1,15}$/;
const QUERY_NUMBER = /^-?[0-9]{1,15}(?:\.[0-9]{1,15})?$/;

interface Validator {
  (data: unknown): boolean;
  errors?: ValidateFunction['errors'];
}

/**
 * A query's validator: its integer and number parameters are read from plain decimal text
 * only, then checked without coercion. Ajv's coercion turned `?limit=Infinity` and `1e309`
 * into Infinity, which passed `type: integer` and failed in the database (a 500; issue 21
 * item 8): the schema itself now refuses them ("must be integer").
 */
function queryValidator(strict: Ajv, schema: object): Validator {
  const validate = strict.compile(schema);
  const props = (schema as { properties?: Record<string, { type?: unknown }> }).properties ?? {};
  const numeric = Object.entries(props).flatMap(([name, p]) =>
    p.type === 'integer'
      ? [[name, QUERY_INTEGER] as const]
      : p.type === 'number'
        ? [[name, QUERY_NUMBER] as const]
        : [],
  );
  const fn: Validator = (data) => {
    if (data && typeof data === 'object') {
      const q = data as Record<string, unknown>;
      for (const [name, spelling] of numeric) {
        const v = q[name];
        if (typeof v === 'string' && spelling.test(v)) q[name] = Number(v);
      }
    }
    const ok = validate(data);
    fn.errors = validate.errors;
    return ok;
  };
  return fn;
}

/**
 * Request validation with strict types (issue 21 item 11). Fastify's default Ajv coerces: a
 * /v1 heartbeat with `"players": "3"`, `true` or `null` counted 3, 1 and 0 players. A JSON
 * body says what type it means, so it gets no coercion; a query's numbers are read from
 * decimal text only (queryValidator); path parameters and headers are text and keep Ajv's
 * coercion (they are all strings here).
 */
export function installValidators(app: FastifyInstance): void {
  const coercing = new Ajv(FASTIFY_AJV);
  const strict = new Ajv({ ...FASTIFY_AJV, coerceTypes: false });
  app.setValidatorCompiler(({ schema, httpPart }) => {
    if (httpPart === 'body') return strict.compile(schema);
    if (httpPart === 'querystring') return queryValidator(strict, schema);
    return coercing.compile(schema);
  });
}
