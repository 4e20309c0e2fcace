import type { FastifyRequest } from 'fastify';

/** One item of a FastAPI (pydantic 2) validation error body. */
export interface PydanticErrorItem {
  type: string;
  loc: (string | number)[];
  msg: string;
  input: unknown;
  ctx?: Record<string, unknown>;
}

/** `{"detail": [...]}` as FastAPI answers a 422; echoed inputs are bounded (see boundedInput). */
export function detail(items: PydanticErrorItem[]): { detail: PydanticErrorItem[] } {
  return { detail: items.map((i) => ({ ...i, input: boundedInput(i.input) })) };
}

const MAX_ECHO_DEPTH = 32;

/**
 * The input as FastAPI would echo it, unless it nests deeper than MAX_ECHO_DEPTH: a hostile
 * body 10,000 levels deep parses fine but would overflow the stack when serialised back.
 */
export function boundedInput(value: unknown): unknown {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= MAX_ECHO_DEPTH) return '[input nested too deeply to echo]';
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return value;
}

export const missing = (loc: (string | number)[], input: unknown = null): PydanticErrorItem => ({
  type: 'missing',
  loc,
  msg: 'Field required',
  input,
});

/** The pydantic item for a value that should be an int (strict JSON semantics, like pydantic's lax mode). */
export function intError(loc: (string | number)[], value: unknown): PydanticErrorItem | null {
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return null;
    return {
      type: 'int_from_float',
      loc,
      msg: 'Input should be a valid integer, got a number with a fractional part',
      input: value,
    };
  }
  if (typeof value === 'string') {
    if (/^\s*[-+]?\d+\s*$/.test(value)) return null;
    return {
      type: 'int_parsing',
      loc,
      msg: 'Input should be a valid integer, unable to parse string as an integer',
      input: value,
    };
  }
  return { type: 'int_type', loc, msg: 'Input should be a valid integer', input: value };
}

export function stringError(loc: (string | number)[], value: unknown): PydanticErrorItem | null {
  return typeof value === 'string'
    ? null
    : { type: 'string_type', loc, msg: 'Input should be a valid string', input: value };
}

/** Maps Fastify/ajv validation errors (used by /v1 routes) to the same shape. */
export function pydanticError(
  validation: { instancePath?: string; keyword?: string; message?: string; params?: Record<string, unknown> }[],
  context: string,
  req: FastifyRequest,
): { detail: PydanticErrorItem[] } {
  const where = context === 'querystring' ? 'query' : context === 'params' ? 'path' : context;
  const source =
    where === 'query' ? req.query : where === 'path' ? req.params : where === 'headers' ? req.headers : req.body;
  return detail(
    validation.map((v): PydanticErrorItem => {
      const path = (v.instancePath ?? '').split('/').filter(Boolean);
      if (v.keyword === 'required' && typeof v.params?.missingProperty === 'string') {
        return missing([where, ...path, v.params.missingProperty], where === 'body' ? (source ?? null) : null);
      }
      return {
        type: v.keyword ?? 'value_error',
        loc: [where, ...path],
        msg: v.message ?? 'Invalid value',
        input: pick(source, path),
      };
    }),
  );
}

function pick(obj: unknown, path: string[]): unknown {
  let cur = obj;
  for (const p of path) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[p] : undefined;
  return cur ?? null;
}
