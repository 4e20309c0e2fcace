import { Type, type Static } from '@sinclair/typebox';
import { EVENT_EXAMPLE } from './event-schemas.js';
import { bodyOf, errorAs, open, OPERATOR_AUTH } from './operator-schemas.js';
import { errors } from './v1/schemas.js';

/** OpenAPI schemas of the operator dashboard: its page, sign-in, assets and read model. */
const HTML = ['text/html'];
const DASHBOARD_HEADERS =
  'HTML, with a strict Content-Security-Policy (no inline script or style), X-Frame-Options: DENY and Cache-Control: no-store.';

const redirect = (description: string, cookie: string) => ({
  type: 'null',
  description,
  headers: {
    location: Type.String({ description: 'Back to the dashboard', examples: ['/dashboard'] }),
    'set-cookie': Type.String({
      description: 'The session cookie (HttpOnly, SameSite=Strict; Secure over HTTPS)',
      examples: [cookie],
    }),
  },
});

export const dashboardSchema = {
  summary: 'The operator dashboard page, or its sign-in form',
  description: `Auth: the dashboard's session cookie (from POST /dashboard/login); without it the sign-in form is shown. ${DASHBOARD_HEADERS}`,
  tags: ['dashboard'],
  response: {
    200: bodyOf(
      'The dashboard when signed in, else the sign-in form',
      HTML,
      '<!doctype html><html lang="en"><head><title>Game orchestrator</title>…',
    ),
    503: bodyOf(
      'ADMIN_TOKEN is unset: the form says the dashboard is disabled',
      HTML,
      '<!doctype html>… The dashboard is disabled: set ADMIN_TOKEN. …',
    ),
  },
};

export const dashboardLoginSchema = {
  summary: 'Sign in to the dashboard with the admin token',
  description:
    'Body: `application/x-www-form-urlencoded` with `token` = ADMIN_TOKEN (the sign-in form posts it). A post from another site (Origin not this host) is refused. On success: the session cookie (a signed expiry, never the token) and a redirect to /dashboard; on failure the form again, with the reason.',
  tags: ['dashboard'],
  response: {
    303: redirect(
      'Signed in: the session cookie, and back to the dashboard',
      'go_dashboard=1796029200000.Q2hh…; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200',
    ),
    401: bodyOf(
      'The token is not valid: the form again, with the reason',
      HTML,
      '<!doctype html>… That token is not valid. …',
    ),
    403: bodyOf(
      'Posted from another site (login CSRF): the form again',
      HTML,
      '<!doctype html>… Sign in from this page. …',
    ),
    503: bodyOf('ADMIN_TOKEN is unset', HTML, '<!doctype html>… The dashboard is disabled: set ADMIN_TOKEN. …'),
  },
};

export const dashboardLogoutSchema = {
  summary: 'Sign out of the dashboard',
  description: 'No auth needed: clears the session cookie and redirects to /dashboard.',
  tags: ['dashboard'],
  response: {
    303: redirect(
      'Signed out: the cookie cleared, and back to the dashboard',
      'go_dashboard=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0',
    ),
    415: errorAs('A body of a type the service does not read', 'invalid_input', 'Unsupported Media Type'),
  },
};

export const dashboardAssetSchema = {
  summary: "The dashboard's script and style sheet",
  description: 'No auth (the files hold no data). `file` is one of app.js, actions.js, chart.js, app.css.',
  tags: ['dashboard'],
  params: Type.Object({ file: Type.String() }),
  response: {
    200: {
      description: 'The file (Cache-Control: no-cache)',
      content: {
        'text/javascript': {
          schema: Type.String({ examples: ['// The dashboard: one snapshot, then live events over SSE.\n…'] }),
        },
        'text/css': { schema: Type.String({ examples: [':root { color-scheme: light dark; }\n…'] }) },
      },
    },
    404: errorAs('No such asset', 'not_found', 'No such asset.'),
  },
};

/** The dashboard's read model (GET /dashboard/api/snapshot). */
const DashboardSnapshot = open(
  {
    nowMs: Type.Number(),
    lastEventId: Type.Integer(),
    servers: Type.Array(Type.Unknown()),
    sessions: Type.Array(Type.Unknown()),
    pool: Type.Unknown(),
    reconciler: Type.Unknown(),
    costs: Type.Unknown({ description: "null when the provider's prices are unavailable" }),
    recentEvents: Type.Array(Type.Unknown()),
  },
  {
    description: 'The snapshot',
    examples: [
      {
        nowMs: 1796025605000,
        lastEventId: 42,
        servers: [
          {
            id: '5d1c…',
            state: 'allocated',
            origin: 'local',
            region: 'local',
            ip: '127.0.0.2',
            port: 7777,
            players: 1,
            createdAtMs: 1796025600000,
            lastHeartbeatAtMs: 1796025604000,
            usd: 0,
          },
        ],
        sessions: [
          {
            id: '0b6f…',
            code: 'K7XQ3M',
            state: 'active',
            region: 'local',
            createdAtMs: 1796025600500,
            players: 1,
            serverIp: '127.0.0.2',
            usd: 0,
          },
        ],
        pool: { idle: 1, coming: 0, target: 1, minReady: 1, buffer: 1, maxServers: 10 },
        reconciler: { lastPassAtMs: 1796025604000, lastError: null, outage: null, passes: 120, lastPlan: null },
        costs: { todayUsd: 0, totalUsd: 0, hourlyUsd: 0, size: null, days: [{ date: '2026-11-30', usd: 0 }] },
        recentEvents: [EVENT_EXAMPLE],
      },
    ],
  },
);
export type DashboardSnapshot = Static<typeof DashboardSnapshot>;

export const dashboardSnapshotSchema = {
  summary: 'What the dashboard shows, in one read (operators)',
  description: `${OPERATOR_AUTH} Servers, sessions, the pool, the reconciler, costs (null when prices are unavailable) and recent events; \`lastEventId\` is where to resume the event stream.`,
  tags: ['dashboard'],
  response: {
    200: DashboardSnapshot,
    ...errors(401, 503),
  },
};
