import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { drawFaults } from '../faults.js';
import { bearerToken, routeKey, sameSecret } from '../gate.js';
import { JSON_TYPE } from '../http-util.js';
import type { HetznerCore } from './core.js';
import type { BucketDecision } from './token-bucket.js';

/** A Hetzner API error: `{error: {code, message}}` with its status (docs.hetzner.cloud, "Errors"). */
export class HzApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HzApiError';
  }
}

/** Messages are ours (the documentation gives the codes and statuses, not every text). */
export const hzNotFound = (): HzApiError => new HzApiError(404, 'not_found', 'Resource not found');
export const hzInvalid = (message: string): HzApiError => new HzApiError(422, 'invalid_input', message);

export function sendHzError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply
    .code(status)
    .type(JSON_TYPE)
    .send({ error: { code, message, details: {} } });
}

/** Hetzner's 5xx answers: 500 server_error, 502 bad_gateway, 503 unavailable, 504 timeout. */
const SERVER_FAULTS = [
  [500, 'server_error', 'Internal server error'],
  [502, 'bad_gateway', 'The request could not be answered, please retry'],
  [503, 'unavailable', 'Service unavailable'],
  [504, 'timeout', 'The request could not be answered in time, please retry'],
] as const;

export function sendHzServerFault(core: HetznerCore, reply: FastifyReply): FastifyReply {
  const [status, code, message] = core.rng.pick(SERVER_FAULTS);
  return sendHzError(reply, status, code, message);
}

function setRateHeaders(reply: FastifyReply, d: BucketDecision): void {
  reply.header('RateLimit-Limit', String(d.limit));
  reply.header('RateLimit-Remaining', String(d.remaining));
  reply.header('RateLimit-Reset', String(d.resetS));
}

/**
 * What every `/v1` request passes before its handler: a request id, counting, bearer auth
 * (401 unauthorized), injected 429s, the project's token bucket (429 rate_limit_exceeded), then
 * the shared drop/error/slow faults. Control routes (`/_emulator`) pass untouched.
 */
export function registerHzGate(app: FastifyInstance, core: HetznerCore): void {
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-correlation-id', randomUUID());
    if (!(req.url === '/v1' || req.url.startsWith('/v1/') || req.url.startsWith('/v1?'))) return undefined;
    core.count(routeKey(req));
    const token = bearerToken(req.headers.authorization);
    if (token === null || (core.opts.token !== null && !sameSecret(token, core.opts.token))) {
      return sendHzError(reply, 401, 'unauthorized', 'Request was made with an invalid or unknown token');
    }
    const now = core.nowMs();
    if (core.takeBurst429()) {
      setRateHeaders(reply, { ...core.limiter.peek(token, now), remaining: 0 });
      reply.header('retry-after', String(core.faults().burst429RetryAfterS));
      return sendHzError(reply, 429, 'rate_limit_exceeded', 'Rate limit exceeded');
    }
    const decision = core.limiter.take(token, now);
    setRateHeaders(reply, decision);
    if (!decision.allowed) return sendHzError(reply, 429, 'rate_limit_exceeded', 'Rate limit exceeded');
    const faulted = await drawFaults(core, core.faults(), req, reply, (r) => sendHzServerFault(core, r));
    return faulted ? reply : undefined;
  });
}
