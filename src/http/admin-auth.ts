import { createHmac } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { OrchestratorError } from '../domain/errors.js';
import { safeEqual } from '../domain/hmac.js';
import { clientAddress } from './client-address.js';

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
 * The token of an `Authorization: Bearer <token>` header, or null. The scheme is matched
 * case-insensitively (RFC 9110 §11.1: `bearer` is the same scheme).
 */
export function bearerToken(req: FastifyRequest): string | null {
  const m = /^bearer +(\S+) *$/i.exec(req.headers.authorization ?? '');
  return m ? m[1]! : null;
}

/** Failed operator authentication per client address (ADMIN_AUTH_FAIL_LIMIT_PER_MIN; see RateLimiter). */
export interface OperatorAuthThrottle {
  /** Refuses with 429 once the address has failed too often, before any token is compared. */
  check(addr: string): Promise<void>;
  /** Counts a wrong token from the address. */
  failed(addr: string): Promise<void>;
}

/**
 * Operator authorization: `Authorization: Bearer $ADMIN_TOKEN` (an address that keeps sending
 * wrong tokens is refused for a while: `throttle`), or the dashboard's session
 * cookie. A cookie-authorized request that changes something must also carry the
 * `X-CSRF: 1` header, which a cross-site form cannot send and a cross-site fetch cannot
 * send without a CORS preflight we never grant (SameSite=Strict is the first wall).
 */
export function adminAuthorizer(adminToken: string | null, nowMs: () => number, throttle?: OperatorAuthThrottle) {
  return async (req: FastifyRequest): Promise<void> => {
    if (!adminToken) throw new OrchestratorError('unavailable', 'Operator endpoints are disabled: set ADMIN_TOKEN.');
    if (req.headers.authorization) {
      await throttle?.check(clientAddress(req));
      if (safeEqual(bearerToken(req) ?? '', adminToken)) return;
      await throttle?.failed(clientAddress(req));
      throw new OrchestratorError('unauthorized', 'A valid operator token is required.');
    }
    if (validDashboardCookie(adminToken, readCookie(req.headers.cookie, DASHBOARD_COOKIE), nowMs())) {
      if (SAFE_METHODS.has(req.method) || req.headers['x-csrf'] === '1') return;
      throw new OrchestratorError('unauthorized', 'A dashboard action needs the X-CSRF header.');
    }
    throw new OrchestratorError('unauthorized', 'A valid operator token is required.');
  };
}
