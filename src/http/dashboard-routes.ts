import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { safeEqual } from '../domain/hmac.js';
import { DASHBOARD_ASSET_DIR } from '../dashboard/asset-dir.js';
import { appPage, loginPage } from '../dashboard/dashboard-pages.js';
import {
  dashboardAssetSchema,
  dashboardLoginSchema,
  dashboardLogoutSchema,
  dashboardSchema,
  dashboardSnapshotSchema,
  type DashboardSnapshot,
} from './dashboard-schemas.js';
import {
  DASHBOARD_COOKIE,
  dashboardCookieValue,
  readCookie,
  validDashboardCookie,
  type DashboardSignIns,
  type OperatorAuthThrottle,
} from './admin-auth.js';
import { clientAddress } from './client-address.js';

export interface DashboardDeps {
  adminToken: string | null;
  nowMs(): number;
  /** How long a sign-in lasts. */
  sessionTtlMs: number;
  /** Cookies get `Secure` when the service speaks HTTPS. */
  secureCookies: boolean;
  authorize: (req: FastifyRequest) => Promise<void>;
  /** The sign-in generation in the store: signing out revokes every cookie issued before. */
  signIns: DashboardSignIns;
  /** Wrong tokens per address, shared with the API's operator routes. */
  throttle?: OperatorAuthThrottle;
  /** What the page shows, in one read. */
  snapshot(): Promise<DashboardSnapshot>;
}

const ASSETS: Record<string, string> = {
  'app.js': 'text/javascript; charset=utf-8',
  'actions.js': 'text/javascript; charset=utf-8',
  'chart.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};
const ASSET_DIR = DASHBOARD_ASSET_DIR;

/** No inline script or style, nothing from elsewhere, never framed. */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

function page(reply: FastifyReply, status: number, html: string) {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', CSP)
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'same-origin')
    .header('cache-control', 'no-store')
    .send(html);
}

/** True without an Origin header (same-origin navigations may omit it) or with this host's. */
function sameOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (!origin) return true;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

/** The operator dashboard: a sign-in form, the page, its assets and its read model. */
export async function dashboardRoutes(app: FastifyInstance, deps: DashboardDeps): Promise<void> {
  // The sign-in form posts urlencoded; only this plugin accepts that type.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 4096 },
    (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body.toString())));
    },
  );
  const routes = app.withTypeProvider<TypeBoxTypeProvider>();
  const signedIn = async (req: FastifyRequest) =>
    deps.adminToken !== null &&
    (await validDashboardCookie(
      deps.adminToken,
      readCookie(req.headers.cookie, DASHBOARD_COOKIE),
      deps.nowMs(),
      deps.signIns,
    ));
  const cookie = (value: string, maxAgeS: number) =>
    `${DASHBOARD_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${deps.secureCookies ? '; Secure' : ''}`;

  routes.get('/dashboard', { schema: dashboardSchema }, async (req, reply) => {
    if (!deps.adminToken) return page(reply, 503, loginPage('The dashboard is disabled: set ADMIN_TOKEN.'));
    return (await signedIn(req)) ? page(reply, 200, appPage()) : page(reply, 200, loginPage(null));
  });

  routes.post('/dashboard/login', { schema: dashboardLoginSchema }, async (req, reply) => {
    if (!deps.adminToken) return page(reply, 503, loginPage('The dashboard is disabled: set ADMIN_TOKEN.'));
    // A sign-in posted from another site is refused (login CSRF).
    if (!sameOrigin(req.headers.origin, req.headers.host))
      return page(reply, 403, loginPage('Sign in from this page.'));
    // No body schema (a missing or odd form is a 401 with the form, not a 400): narrowed here.
    const body = req.body;
    const token =
      typeof body === 'object' && body !== null && 'token' in body && typeof body.token === 'string' ? body.token : '';
    await deps.throttle?.check(clientAddress(req));
    if (!safeEqual(token, deps.adminToken)) {
      await deps.throttle?.failed(clientAddress(req));
      return page(reply, 401, loginPage('That token is not valid.'));
    }
    const value = dashboardCookieValue(
      deps.adminToken,
      deps.nowMs() + deps.sessionTtlMs,
      await deps.signIns.generation(),
    );
    return reply.header('set-cookie', cookie(value, Math.floor(deps.sessionTtlMs / 1000))).redirect('/dashboard', 303);
  });

  // Signing out revokes the cookie (and every other issued before it) in the store, so a copy
  // stops working too. Only a signed-in browser can: SameSite=Strict keeps the cookie off a
  // sign-out posted from another site.
  routes.post('/dashboard/logout', { schema: dashboardLogoutSchema }, async (req, reply) => {
    if (await signedIn(req)) await deps.signIns.signOut();
    return reply.header('set-cookie', cookie('', 0)).redirect('/dashboard', 303);
  });

  routes.get('/dashboard/assets/:file', { schema: dashboardAssetSchema }, async (req, reply) => {
    const { file } = req.params;
    // Own keys only: `constructor` or `__proto__` are not assets (a plain object's lookup found them).
    const type = Object.hasOwn(ASSETS, file) ? ASSETS[file] : undefined;
    if (!type) return reply.code(404).send({ error: { code: 'not_found', message: 'No such asset.' } });
    return reply
      .header('content-type', type)
      .header('cache-control', 'no-cache')
      .send(await readFile(path.join(ASSET_DIR, file), 'utf8'));
  });

  routes.get(
    '/dashboard/api/snapshot',
    { onRequest: deps.authorize, schema: dashboardSnapshotSchema },
    async (_req, reply) => reply.header('cache-control', 'no-store').send(await deps.snapshot()),
  );
}
