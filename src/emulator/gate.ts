import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { EmulatorCore } from './core.js';
import { MSG } from './errors.js';
import { applyRequestFaults } from './faults.js';
import { sendError, setRateHeaders } from './http-util.js';

/**
 * What every `/v2` request passes before its handler, in DigitalOcean's order as far as a
 * client can tell: request id, counting, bearer auth (401), injected 429s, the per-token rate
 * limit (429), then the drop/error/slow faults. Control routes (`/_emulator`) only get an id.
 */
export function registerGate(app: FastifyInstance, core: EmulatorCore): void {
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', randomUUID());
    if (!isApiPath(req.url)) return undefined;
    core.count(routeKey(req));
    const token = bearerToken(req.headers.authorization);
    const now = core.nowMs();
    if (token === null || (core.opts.token !== null && !sameSecret(token, core.opts.token))) {
      setRateHeaders(reply, core.limiter.idle(now));
      return sendError(reply, 401, 'unauthorized', MSG.unauthorized);
    }
    if (core.takeBurst429()) {
      const standing = core.limiter.peek(token, now);
      setRateHeaders(reply, { ...standing, remaining: 0, retryAfterS: core.faults().burst429RetryAfterS });
      return tooManyRequests(reply);
    }
    const decision = core.limiter.take(token, now);
    setRateHeaders(reply, decision);
    if (!decision.allowed) return tooManyRequests(reply);
    return applyRequestFaults(core, req, reply);
  });
}

function tooManyRequests(reply: FastifyReply): FastifyReply {
  return sendError(reply, 429, 'too_many_requests', MSG.rateLimited);
}

function isApiPath(url: string): boolean {
  return url === '/v2' || url.startsWith('/v2/') || url.startsWith('/v2?');
}

/**
 * The count key of a request: method and route pattern in the spec's spelling
 * ("GET /v2/droplets/{droplet_id}"), or "<unmatched>" for paths the emulator lacks.
 */
export function routeKey(req: FastifyRequest): string {
  const pattern = req.routeOptions.url;
  const path = pattern && pattern !== '*' && pattern !== '/*' ? pattern.replace(/:(\w+)/g, '{$1}') : '<unmatched>';
  return `${req.method} ${path}`;
}

/** The bearer token of an Authorization header, or null. */
export function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1] ?? null;
}

/** Constant-time comparison; hashing first makes the lengths equal. */
export function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}
