import { Type, type TSchema } from '@sinclair/typebox';
import { ErrorBody, errors } from './v1/schemas.js';

/**
 * OpenAPI schemas of the operator's view: health, metrics, costs, events, webhooks and the
 * dashboard. A response schema also drives Fastify's serialiser, so every JSON object here
 * keeps fields it does not name (`additionalProperties: true`), and non-JSON bodies (text,
 * HTML, an event stream, assets) are documented per media type: Fastify sends a string or a
 * Buffer with its own non-JSON content type, and a hijacked stream, as they are.
 */

/** An error response in the service's shape, with an example of this route's own message. */
export function errorAs(description: string, code: string, message: string) {
  return { ...ErrorBody, description, examples: [{ error: { code, message } }] };
}

/** A 200 whose body is not JSON: its media type, a string schema and an example. */
function bodyOf(description: string, mediaTypes: string[], example: string) {
  const schema = Type.String({ examples: [example] });
  return { description, content: Object.fromEntries(mediaTypes.map((m) => [m, { schema }])) };
}

const open = <T extends Record<string, TSchema>>(props: T, options: Record<string, unknown> = {}) =>
  Type.Object(props, { additionalProperties: true, ...options });

export const OPERATOR_AUTH =
  "Auth: `Authorization: Bearer $ADMIN_TOKEN`, or the dashboard's session cookie. 503 while ADMIN_TOKEN is unset.";

/** A query that fails its schema (400) or its range (422); both in the error shape. */
const badQuery = (example400: string, example422: string) => ({
  400: errorAs('Bad query: the message names the field', 'invalid_input', example400),
  422: errorAs('A value out of range', 'invalid_input', example422),
});

// --- health and metrics ---

export const healthzSchema = {
  summary: 'Liveness: the process answers',
  description: 'No auth. 200 whenever the process can answer at all (for a liveness probe).',
  tags: ['health'],
  response: {
    200: Type.Object({ status: Type.Literal('ok') }, { description: 'Alive', examples: [{ status: 'ok' }] }),
  },
};

const Readiness = (status: string, description: string, example: Record<string, string>) =>
  open(
    {
      status: Type.String({ examples: [status] }),
      checks: Type.Record(Type.String(), Type.String(), { description: '"ok", or a short reason (no secrets)' }),
    },
    { description, examples: [{ status, checks: example }] },
  );

export const readyzSchema = {
  summary: 'Readiness: the database and the provider answer',
  description:
    'No auth. Runs each check (database, provider) and reports each one; 503 when any fails (for a readiness probe).',
  tags: ['health'],
  response: {
    200: Readiness('ready', 'Every check passed', { database: 'ok', provider: 'ok' }),
    503: Readiness('not ready', 'A check failed; each check says why', {
      database: 'ok',
      provider: 'the last reconcile pass could not list the provider',
    }),
  },
};

export const metricsSchema = {
  summary: 'Prometheus metrics (text exposition format)',
  description:
    'Auth: `Authorization: Bearer $METRICS_TOKEN` when METRICS_TOKEN is set; open otherwise (scrapers usually sit on a private network).',
  tags: ['health'],
  response: {
    200: bodyOf(
      'Metrics in the Prometheus text format',
      ['text/plain'],
      '# HELP orchestrator_sessions_started_total Sessions started, by warm (a ready server claimed) or cold (a new server needed).\n# TYPE orchestrator_sessions_started_total counter\norchestrator_sessions_started_total{start="warm"} 3\n',
    ),
    401: errorAs(
      'METRICS_TOKEN is set and the request does not carry it',
      'unauthorized',
      'A valid metrics token is required.',
    ),
  },
};

// --- costs ---

export const costsSchema = {
  summary: 'Spend today, per day, per server and per session (operators)',
  description: `${OPERATOR_AUTH} Priced from the provider's hourly price of the configured size; 503 (with Retry-After) when the provider's prices cannot be read.`,
  tags: ['operators'],
  response: {
    200: open(
      {
        currency: Type.Literal('USD'),
        billing: Type.String(),
        size: Type.Union([Type.String(), Type.Null()], { description: 'The size new machines get' }),
        hourlyUsd: Type.Number(),
        todayUsd: Type.Number(),
        totalUsd: Type.Number({ description: 'Over the servers still on record' }),
        days: Type.Array(open({ date: Type.String(), usd: Type.Number() }), { description: 'UTC days, newest first' }),
        servers: Type.Array(
          open({
            id: Type.String(),
            state: Type.String(),
            origin: Type.String(),
            ip: Type.Union([Type.String(), Type.Null()]),
            startedAtMs: Type.Number(),
            endedAtMs: Type.Union([Type.Number(), Type.Null()]),
            hours: Type.Number(),
            usd: Type.Number(),
          }),
        ),
        sessions: Type.Array(
          open({
            id: Type.String(),
            code: Type.String(),
            state: Type.String(),
            serverId: Type.Union([Type.String(), Type.Null()]),
            hours: Type.Number(),
            usd: Type.Number(),
          }),
        ),
      },
      {
        title: 'CostReport',
        description: 'The cost report',
        examples: [
          {
            currency: 'USD',
            billing: 'per second; minimum 60 s or $0.01, whichever is higher (DigitalOcean, since 2026-01-01)',
            size: 's-1vcpu-1gb',
            hourlyUsd: 0.00893,
            todayUsd: 0.0714,
            totalUsd: 0.2143,
            days: [{ date: '2026-11-30', usd: 0.0714 }],
            servers: [
              {
                id: '5d1c…',
                state: 'allocated',
                origin: 'digitalocean',
                ip: '203.0.113.7',
                startedAtMs: 1796025600000,
                endedAtMs: null,
                hours: 8,
                usd: 0.0714,
              },
            ],
            sessions: [{ id: '0b6f…', code: 'K7XQ3M', state: 'active', serverId: '5d1c…', hours: 1.5, usd: 0.0134 }],
          },
        ],
      },
    ),
    ...errors(401),
    503: errorAs(
      "ADMIN_TOKEN is unset, or the provider's prices cannot be read (see Retry-After)",
      'unavailable',
      'Prices are unavailable: the provider did not answer. Try again shortly.',
    ),
  },
};

// --- events and webhooks ---

const EVENT_EXAMPLE = {
  id: 42,
  kind: 'session.activated',
  at: '2026-11-30T08:00:01.500Z',
  atMs: 1796025601500,
  serverId: '5d1c…',
  sessionId: '0b6f…',
  data: { code: 'K7XQ3M' },
};

export const EventSchema = Type.Object(
  {
    id: Type.Integer(),
    kind: Type.String(),
    at: Type.String(),
    atMs: Type.Integer(),
    serverId: Type.Union([Type.String(), Type.Null()]),
    sessionId: Type.Union([Type.String(), Type.Null()]),
    data: Type.Record(Type.String(), Type.Unknown()),
  },
  { title: 'Event', examples: [EVENT_EXAMPLE] },
);

export const EventPage = Type.Object(
  { events: Type.Array(EventSchema), next: Type.Integer({ description: 'The cursor for the next page (`?after=`)' }) },
  { description: 'A page of events', examples: [{ events: [EVENT_EXAMPLE], next: 42 }] },
);

export const eventsResponses = {
  200: EventPage,
  ...badQuery('querystring/limit must match pattern "^[0-9]{1,4}$"', 'limit must be from 1 to 1000.'),
  ...errors(401, 503),
};

export const eventStreamResponses = {
  200: bodyOf(
    'Server-sent events, one per fleet event (`id:` is the event id), until the client leaves or the service shuts down',
    ['text/event-stream'],
    `id: 42\nevent: session.activated\ndata: ${JSON.stringify(EVENT_EXAMPLE)}\n\n`,
  ),
  400: errorAs('Bad `?after=` cursor', 'invalid_input', 'querystring/after must match pattern "^[0-9]{1,15}$"'),
  422: errorAs('Bad Last-Event-ID header', 'invalid_input', 'Last-Event-ID must be an event id (a whole number).'),
  ...errors(401, 503),
};

export const webhooksResponses = {
  200: open(
    {
      targets: Type.Array(
        open({
          id: Type.String(),
          urlHint: Type.String({ description: 'The URL without its query or credentials' }),
          cursor: Type.Integer(),
        }),
        { description: 'Delivery state per configured URL' },
      ),
      deadLetters: Type.Array(
        open({ id: Type.Integer(), targetId: Type.String(), eventId: Type.Integer(), kind: Type.String() }),
        {
          description: 'The newest events given up on, with the exact body sent',
        },
      ),
    },
    {
      description: 'Delivery state and dead letters',
      examples: [
        {
          targets: [
            {
              id: 'a1b2…',
              urlHint: 'https://hooks.example.com/fleet',
              cursor: 41,
              attempts: 1,
              nextAttemptAtMs: 1796025660000,
              delivered: 40,
              failedAttempts: 3,
              dead: 1,
              lastStatus: 502,
              lastError: 'HTTP 502',
            },
          ],
          deadLetters: [
            {
              id: 1,
              targetId: 'a1b2…',
              eventId: 17,
              kind: 'server.ready',
              deadAtMs: 1796025000000,
              attempts: 8,
              lastStatus: 500,
              lastError: 'HTTP 500',
              body: '{"id":17,…}',
            },
          ],
        },
      ],
    },
  ),
  ...badQuery('querystring/limit must match pattern "^[0-9]{1,4}$"', 'limit must be from 1 to 500.'),
  ...errors(401, 503),
};

// --- dashboard ---

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
  description: 'No auth (the files hold no data). `file` is one of app.js, actions.js, app.css.',
  tags: ['dashboard'],
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

export const dashboardSnapshotSchema = {
  summary: 'What the dashboard shows, in one read (operators)',
  description: `${OPERATOR_AUTH} Servers, sessions, the pool, the reconciler, costs (null when prices are unavailable) and recent events; \`lastEventId\` is where to resume the event stream.`,
  tags: ['dashboard'],
  response: {
    200: open(
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
    ),
    ...errors(401, 503),
  },
};
