import type { FastifyRequest } from 'fastify';
import { OrchestratorError } from '../../domain/errors.js';
import { safeEqual } from '../../domain/hmac.js';

function bearer(req: FastifyRequest): string | null {
  const h = req.headers.authorization ?? '';
  return h.startsWith('Bearer ') ? h.slice(7) : null;
}

/** Operator routes: `Authorization: Bearer $ADMIN_TOKEN`, compared in constant time. */
export function operatorGuard(adminToken: string | null) {
  return async (req: FastifyRequest): Promise<void> => {
    if (!adminToken) throw new OrchestratorError('unavailable', 'Operator endpoints are disabled: set ADMIN_TOKEN.');
    if (!safeEqual(bearer(req) ?? '', adminToken)) throw new OrchestratorError('unauthorized', 'A valid operator token is required');
  };
}

/**
 * Client routes: when CLIENT_API_KEYS is set, an `X-Api-Key` (or a bearer token) must be one
 * of them; the operator token passes too. Every key is compared, so timing says nothing.
 */
export function clientGuard(keys: readonly string[], adminToken: string | null) {
  return async (req: FastifyRequest): Promise<void> => {
    if (keys.length === 0) return;
    const raw = req.headers['x-api-key'];
    const presented = (Array.isArray(raw) ? raw[raw.length - 1] : raw) ?? bearer(req) ?? '';
    let ok = false;
    for (const k of [...keys, ...(adminToken ? [adminToken] : [])]) ok = safeEqual(presented, k) || ok;
    if (!ok) throw new OrchestratorError('unauthorized', 'A valid client API key is required (X-Api-Key)');
  };
}
