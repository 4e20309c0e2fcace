import type { FastifyRequest } from 'fastify';
import { OrchestratorError } from '../../domain/errors.js';
import { safeEqual } from '../../domain/hmac.js';
import { adminAuthorizer, bearerToken, type DashboardSignIns, type OperatorAuthThrottle } from '../admin-auth.js';

/**
 * Operator routes: `Authorization: Bearer $ADMIN_TOKEN` (constant time), or the dashboard's
 * session cookie with `X-CSRF: 1` on changes (see http/admin-auth.ts).
 */
export function operatorGuard(
  adminToken: string | null,
  signIns: DashboardSignIns,
  throttle?: OperatorAuthThrottle,
  nowMs: () => number = Date.now,
) {
  return adminAuthorizer(adminToken, nowMs, signIns, throttle);
}

/**
 * Client routes: when CLIENT_API_KEYS is set, an `X-Api-Key` (or a bearer token) must be one
 * of them; the operator token passes too. Every key is compared, so timing says nothing.
 */
export function clientGuard(keys: readonly string[], adminToken: string | null) {
  return async (req: FastifyRequest): Promise<void> => {
    if (keys.length === 0) return;
    const raw = req.headers['x-api-key'];
    const presented = (Array.isArray(raw) ? raw[raw.length - 1] : raw) ?? bearerToken(req) ?? '';
    let ok = false;
    for (const k of [...keys, ...(adminToken ? [adminToken] : [])]) ok = safeEqual(presented, k) || ok;
    if (!ok) throw new OrchestratorError('unauthorized', 'A valid client API key is required (X-Api-Key)');
  };
}
