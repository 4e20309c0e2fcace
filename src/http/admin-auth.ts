import { createHmac } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { OrchestratorError } from '../domain/errors.js';
import { safeEqual } from '../domain/hmac.js';

/** The dashboard's session cookie (a signed expiry, not the token itself). */
export const DASHBOARD_COOKIE = 'go_dashboard';

/** A cookie value `<expiresAtMs>.<hmac>` that proves its holder knew the admin token. */
export function dashboardCookieValue(adminToken: string, expiresAtMs: number): string {
  return `${expiresAtMs}.${cookieMac(adminToken, expiresAtMs)}`;
}

function cookieMac(adminToken: string, expiresAtMs: number): string {
  return createHmac('sha256', adminToken).update(`dashboard-session\n${expiresAtMs}`).digest('base64url');
}

export function validDashboardCookie(adminToken: string, value: string | undefined, nowMs: number): boolean {
  const m = /^(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(value ?? '');
  if (!m) return false;
  const expiresAtMs = Number(m[1]);
  return expiresAtMs > nowMs && safeEqual(m[2]!, cookieMac(adminToken, expiresAtMs));
}

/** One cookie's value from a Cookie header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Operator authorization: `Authorization: Bearer $ADMIN_TOKEN`, or the dashboard's session
 * cookie. A cookie-authorized request that changes something must also carry the
 * `X-CSRF: 1` header, which a cross-site form cannot send and a cross-site fetch cannot
 * send without a CORS preflight we never grant (SameSite=Strict is the first wall).
 */
export function adminAuthorizer(adminToken: string | null, nowMs: () => number) {
  return async (req: FastifyRequest): Promise<void> => {
    if (!adminToken) throw new OrchestratorError('unavailable', 'Operator endpoints are disabled: set ADMIN_TOKEN.');
    const h = req.headers.authorization ?? '';
    if (h) {
      const token = h.startsWith('Bearer ') ? h.slice(7) : '';
      if (safeEqual(token, adminToken)) return;
      throw new OrchestratorError('unauthorized', 'A valid operator token is required.');
    }
    if (validDashboardCookie(adminToken, readCookie(req.headers.cookie, DASHBOARD_COOKIE), nowMs())) {
      if (SAFE_METHODS.has(req.method) || req.headers['x-csrf'] === '1') return;
      throw new OrchestratorError('unauthorized', 'A dashboard action needs the X-CSRF header.');
    }
    throw new OrchestratorError('unauthorized', 'A valid operator token is required.');
  };
}
