import { Type, type Static } from '@sinclair/typebox';
import { canonicalIp } from '../domain/ip-address.js';
import { detail, intError, missing, stringError, type PydanticErrorItem } from './pydantic-errors.js';

/** A 422 body in FastAPI's shape, thrown by the original's routes' validators. */
export class CompatValidationError extends Error {
  constructor(readonly body: { detail: PydanticErrorItem[] }) {
    super('validation failed');
  }
}

/** A 400 `{"detail": "<reason>"}` from the original's routes (a header they cannot use). */
export class CompatBadRequest extends Error {
  constructor(readonly detail: string) {
    super(detail);
  }
}

/** Longest `Idempotency-Key` accepted (documented in README); longer keys are refused, never cut. */
export const IDEMPOTENCY_KEY_MAX_CHARS = 200;

/**
 * The `Idempotency-Key` header of a start: absent or empty → none. Refused (400) when longer
 * than IDEMPOTENCY_KEY_MAX_CHARS, because cutting it would merge two clients' keys, or when it
 * holds control characters (C0, DEL, C1), which no client puts in a key on purpose.
 */
export function parseIdempotencyKey(header: string | string[] | undefined): string | undefined {
  const key = Array.isArray(header) ? header.join(', ') : header;
  if (!key) return undefined;
  if (key.length > IDEMPOTENCY_KEY_MAX_CHARS) {
    throw new CompatBadRequest(`Idempotency-Key must be at most ${IDEMPOTENCY_KEY_MAX_CHARS} characters`);
  }
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f-\u009f]/.test(key))
    throw new CompatBadRequest('Idempotency-Key must not contain control characters');
  return key;
}

/**
 * The query of an original route as Fastify's parser hands it over: a value per key, an array
 * for a repeated key. Not given to Ajv (no route schema names it): these routes check their
 * input themselves, so their 422s keep FastAPI's shape.
 */
export const CompatQuery = Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String())]));
export type CompatQuery = Static<typeof CompatQuery>;

/** A required query parameter; repeated keys → the last value counts (as in FastAPI; the join's contract). */
export function requiredQuery(query: CompatQuery, name: string): string {
  const raw = query[name];
  const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
  if (value === undefined) throw new CompatValidationError(detail([missing(['query', name])]));
  return String(value);
}

/**
 * A required query parameter that must be given once: `/server/end?droplet_ip=<one>&droplet_ip=<another>`
 * ended the last one named (issue 21 item 6), so a repeated key is a 422 instead.
 */
export function singleQuery(query: CompatQuery, name: string): string {
  const raw = query[name];
  if (Array.isArray(raw) && raw.length > 1) {
    throw new CompatValidationError(
      detail([
        {
          type: 'value_error',
          loc: ['query', name],
          msg: `Value error, ${name} is given more than once`,
          input: raw,
          ctx: { error: {} },
        },
      ]),
    );
  }
  return requiredQuery(query, name);
}

export interface HeartbeatBody {
  ip: string;
  players: number;
}

/** Parses and checks `{"droplet_ip", "connected_clients"}` exactly as the original's model did, plus range and IP checks; the address comes back canonical. */
export function parseHeartbeatBody(raw: unknown, maxPlayers: number): HeartbeatBody {
  // The raw bytes (every type is read as a Buffer on these routes), or nothing.
  if (!Buffer.isBuffer(raw) || raw.length === 0) throw new CompatValidationError(detail([missing(['body'])]));
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    const pos = /position (\d+)/.exec((err as Error).message)?.[1];
    throw new CompatValidationError(
      detail([
        {
          type: 'json_invalid',
          loc: ['body', pos ? Number(pos) : 0],
          msg: 'JSON decode error',
          input: {},
          ctx: { error: 'Expecting value' },
        },
      ]),
    );
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new CompatValidationError(
      detail([
        {
          type: 'model_attributes_type',
          loc: ['body'],
          msg: 'Input should be a valid dictionary or object to extract fields from',
          input: body,
        },
      ]),
    );
  }
  const o = body as Record<string, unknown>;
  const errors: PydanticErrorItem[] = [];
  const ip = o.droplet_ip;
  let canonical: string | null = null;
  if (!Object.hasOwn(o, 'droplet_ip')) errors.push(missing(['body', 'droplet_ip'], o));
  else {
    const e = stringError(['body', 'droplet_ip'], ip);
    if (e) errors.push(e);
    else if ((canonical = canonicalIp(ip as string)) === null) {
      errors.push({
        type: 'ip_any_address',
        loc: ['body', 'droplet_ip'],
        msg: 'value is not a valid IPv4 or IPv6 address',
        input: ip,
      });
    }
  }
  const players = o.connected_clients;
  if (!Object.hasOwn(o, 'connected_clients')) errors.push(missing(['body', 'connected_clients'], o));
  else {
    const e = intError(['body', 'connected_clients'], players);
    if (e) errors.push(e);
    else {
      const n = Number(players);
      if (n < 0)
        errors.push({
          type: 'greater_than_equal',
          loc: ['body', 'connected_clients'],
          msg: 'Input should be greater than or equal to 0',
          input: players,
          ctx: { ge: 0 },
        });
      else if (n > maxPlayers) {
        errors.push({
          type: 'less_than_equal',
          loc: ['body', 'connected_clients'],
          msg: `Input should be less than or equal to ${maxPlayers}`,
          input: players,
          ctx: { le: maxPlayers },
        });
      }
    }
  }
  if (errors.length) throw new CompatValidationError(detail(errors));
  return { ip: canonical!, players: Number(players) };
}

/**
 * `droplet_ip` of /server/end: required, once, in its canonical spelling. A value that is no address
 * is passed on as given: the original did not validate it, and it matches no server (404).
 */
export function parseDropletIpQuery(query: CompatQuery): string {
  const ip = singleQuery(query, 'droplet_ip').trim();
  return canonicalIp(ip) ?? ip;
}
