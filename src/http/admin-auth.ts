import { createHmac } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { OrchestratorError } from '../domain/errors.js';
import { safeEqual } from '../domain/hmac.js';
import type { StoreVerbs } from '../store/store.js';
import { clientAddress } from './client-address.js';

/** The dashboard's session cookie (a signed expiry and sign-in generation, not the token itself). */
export const DASHBOARD_COOKIE = 'go_dashboard';

/**
 * Dashboard sign-ins as the store keeps them: a generation number every replica reads. A cookie
 * names the generation it was issued in; signing out moves to the next one, so every cookie
 * issued before (a copy included) stops working at once, on every replica and after a restart
 * (issue 21 item 10: a cookie still worked for 12 h after sign-out).
 */
export interface DashboardSignIns {
  generation(): Promise<number>;
  /** Revokes every cookie issued so far. */
  signOut(): Promise<void>;
}

const SIGN_IN_GENERATION = 'dashboard_sign_in_generation';

export function dashboardSignIns(store: Pick<StoreVerbs, 'getMeta' | 'setMeta'>): DashboardSignIns {
  const generation = async () => Number(await store.getMeta(SIGN_IN_GENERATION)) || 0;
  return {
    generation,
    // Two sign-outs racing both leave the generation past every cookie issued before them.
    signOut: async () => store.setMeta(SIGN_IN_GENERATION, String((await generation()) + 1)),
  };
}

/** A cookie value `<expiresAtMs>.<generation>.<hmac>` that proves its holder knew the admin token. */
export function dashboardCookieValue(adminToken: string, expiresAtMs: number, generation: number): string {
  return `${expiresAtMs}.${generation}.${cookieMac(adminToken, expiresAtMs, generation)}`;
}

function cookieMac(adminToken: string, expiresAtMs: number, generation: number): string {
  return createHmac('sha256', adminToken)
    .update(`dashboard-session\n${expiresAtMs}\n${generation}`)
    .digest('base64url');
}

/** Whether a cookie is ours, unexpired and of the sign-in generation in force. */
export async function validDashboardCookie(
  adminToken: string,
  value: string | undefined,
  nowMs: number,
  signIns: DashboardSignIns,
): Promise<boolean> {
  const m = /^(\d{1,15})\.(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(value ?? '');
  if (!m) return false;
  const expiresAtMs = Number(m[1]);
  const generation = Number(m[2]);
  if (expiresAtMs <= nowMs || !safeEqual(m[3]!, cookieMac(adminToken, expiresAtMs, generation))) return false;
  return generation === (await signIns.generation());
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
export function adminAuthorizer(
  adminToken: string | null,
  nowMs: () => number,
  signIns: DashboardSignIns,
  throttle?: OperatorAuthThrottle,
) {
  return async (req: FastifyRequest): Promise<void> => {
    if (!adminToken) throw new OrchestratorError('unavailable', 'Operator endpoints are disabled: set ADMIN_TOKEN.');
    if (req.headers.authorization) {
      await throttle?.check(clientAddress(req));
      if (safeEqual(bearerToken(req) ?? '', adminToken)) return;
      await throttle?.failed(clientAddress(req));
      throw new OrchestratorError('unauthorized', 'A valid operator token is required.');
    }
    if (await validDashboardCookie(adminToken, readCookie(req.headers.cookie, DASHBOARD_COOKIE), nowMs(), signIns)) {
      if (SAFE_METHODS.has(req.method) || req.headers['x-csrf'] === '1') return;
      throw new OrchestratorError('unauthorized', 'A dashboard action needs the X-CSRF header.');
    }
    throw new OrchestratorError('unauthorized', 'A valid operator token is required.');
  };
}
