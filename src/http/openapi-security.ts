/**
 * What each operation of the OpenAPI document authenticates with (issue 21 item 11: the
 * document declared schemes no operation used, so a generated client sent no credential). One
 * table, by tag and route, for every route; test/hostile/openapi-security.test.ts checks that
 * every operation declares its security and that every declared scheme is used.
 */
export const SECURITY_SCHEMES = {
  admin: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' },
  dashboardCookie: {
    type: 'apiKey',
    in: 'cookie',
    name: 'go_dashboard',
    description: 'The dashboard session, from signing in with ADMIN_TOKEN (changes also need `X-CSRF: 1`)',
  },
  clientKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key', description: 'One of CLIENT_API_KEYS, when set' },
  clientBearer: { type: 'http', scheme: 'bearer', description: 'One of CLIENT_API_KEYS, when set, as a bearer token' },
  serverSignature: {
    type: 'apiKey',
    in: 'header',
    name: 'Request-Signature',
    description: "HMAC-SHA256 with the server's own credential (or the shared key), over the request",
  },
  serverTimestamp: {
    type: 'apiKey',
    in: 'header',
    name: 'Request-Timestamp',
    description: 'Unix seconds, signed with Request-Signature',
  },
  metricsToken: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN, when set' },
} as const;

type Requirement = Partial<Record<keyof typeof SECURITY_SCHEMES, string[]>>;

/** Anyone: the empty requirement, as an alternative, makes the others optional. */
const ANYONE: Requirement = {};
const OPERATOR: Requirement[] = [{ admin: [] }, { dashboardCookie: [] }];
const CLIENT: Requirement[] = [{ clientKey: [] }, { clientBearer: [] }, ANYONE];
const SIGNED: Requirement[] = [{ serverSignature: [], serverTimestamp: [] }];

/** Routes whose security is not their tag's. */
const BY_ROUTE: Record<string, Requirement[]> = {
  'GET /': [],
  'POST /server/heartbeat': SIGNED,
  'POST /server/end': SIGNED,
  'POST /sessions/end': SIGNED,
  'GET /healthz': [],
  'GET /readyz': [],
  'GET /metrics': [{ metricsToken: [] }, ANYONE],
  'GET /dashboard': [{ dashboardCookie: [] }, ANYONE],
  'POST /dashboard/login': [],
  'POST /dashboard/logout': [{ dashboardCookie: [] }, ANYONE],
  'GET /dashboard/assets/:file': [],
  'GET /dashboard/api/snapshot': OPERATOR,
};

const BY_TAG: Record<string, Requirement[]> = {
  // The original start and join: anonymous unless ORIGINAL_ROUTES_NEED_KEY.
  original: CLIENT,
  sessions: CLIENT,
  lobbies: CLIENT,
  'game servers': SIGNED,
  operators: OPERATOR,
};

/** The operation's security requirements; undefined for a route no rule names (the test fails on it). */
export function securityOf(method: string, url: string, tags: readonly string[]): Requirement[] | undefined {
  return BY_ROUTE[`${method} ${url}`] ?? tags.map((t) => BY_TAG[t]).find((s) => s !== undefined);
}
