import { existsSync } from 'node:fs';
import { lookalikeWarnings } from './config-lookalikes.js';
import { deepFreeze, readProcessEnv, Reader, type Env } from './config-reader.js';
import { readRegionProviders, readRegionSettings } from './config-regions.js';
import { forecastsAnywhere, type RegionSettings } from './domain/region.js';
import {
  PROVIDER_NAMES,
  providerDefaults,
  providerRegionDefaults,
  readProviderSettings,
  type ProviderName,
  type ProviderSettings,
} from './providers/registry.js';
import { readGuardConfig, type GuardConfig } from './guard/guard-config.js';
import { readPoolPolicy, type PoolPolicySettings } from './reconcile/pool-policy-config.js';
import { readPgPoolConfig, type PgPoolConfig } from './store/pg-pool-config.js';
import { readSeatConfig, type SeatConfig } from './sessions/seat-config.js';
import { readLobbyConfig, type LobbyConfig } from './sessions/lobby-config.js';
import { readWebhookConfig, type WebhookConfig } from './webhooks/webhook-config.js';

export { PACKAGE_ROOT } from './package-root.js';

/**
 * Every setting of the service, validated once at start and frozen. Each provider's own
 * settings sit under its name (`local`, `digitalocean`), read by its module (providers/*).
 */
export interface Config extends ProviderSettings {
  host: string;
  port: number;
  logLevel: string;
  /** LOG_FORMAT: 'auto' = readable lines on a terminal, JSON lines otherwise. */
  logFormat: 'auto' | 'json' | 'pretty';
  /** Things worth saying at start-up that do not stop it (a variable that looks like ours but is not read). */
  warnings: string[];
  /** Where game servers reach us; defaults to http://127.0.0.1:<port>. */
  publicUrl: string;
  /** Where the data lives; `defaultRegion` is the region rows made before regions existed are in. */
  db: ({ kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string; pool: PgPoolConfig }) & {
    defaultRegion: string;
  };
  /** A name from providers/registry.ts. */
  provider: ProviderName;
  /** The fleet's regions (src/config-regions.ts): REGIONS, the default region, caps and ping targets. */
  regions: RegionSettings;
  hmac: {
    /** Shared key of the original service (INTERNAL_HMAC_KEY, else INTERNAL_HMAC_SECRET); null = server routes 503. */
    key: string | null;
    maxSkewS: number;
  };
  /** Bearer token for operator routes (/v1/status); null = those routes answer 503. */
  adminToken: string | null;
  /** Bearer token /metrics wants; null = /metrics is open. */
  metricsToken: string | null;
  /** /readyz answers 503 when its checks have not all answered within this long. */
  readyzTimeoutMs: number;
  /** Master secret per-server credentials derive from; null = generated once and kept in the store. */
  credentialSecret: string | null;
  tls: { certFile: string; keyFile: string } | null;
  enforceHttps: boolean;
  /**
   * Which X-Forwarded-* to believe (client address for rate limits, https detection): false =
   * none; a number = that many proxy hops in front (the client's address is the one the
   * outermost trusted proxy appended); a list = proxy addresses/CIDRs (or proxy-addr's
   * `loopback`, `linklocal`, `uniquelocal`). Never the left-most entry, which the client writes.
   */
  trustProxy: false | number | string[];
  corsAllowedOrigins: string[];
  lifecycle: {
    startTimeoutS: number;
    startPollMs: number;
    readiness: 'heartbeat' | 'address';
    bootTimeoutS: number;
    heartbeatPeriodS: number;
    heartbeatFailureThreshold: number;
    outageSilentFraction: number;
    sessionIdleTimeoutS: number;
    sessionMaxLifetimeS: number;
    recycleServers: boolean;
    poolMinReady: number;
    poolBuffer: number;
    maxServers: number;
    orphanGraceS: number;
    /**
     * A server shut down by a request (a game's end, an operator's drain) is deleted by that
     * request at once; for this long the reconciler leaves it to it instead of asking the
     * provider a second time (it takes over after, should that delete fail or its replica die).
     */
    teardownHandoffS: number;
    reconcileIntervalS: number;
    maxCreatesPerPass: number;
    maxDeletesPerPass: number;
    idempotencyTtlS: number;
    /** How long a claim on in-flight work (a create, a waiting start) holds without renewal. */
    leaseS: number;
    /** After the provider refuses a create because the account's limit is reached, no create is tried for this long. */
    capacityHoldS: number;
    /** While machines boot (READINESS=address), how often one listing looks for the ones that came up; 0 = only reconcile passes. */
    bootingPollMs: number;
  };
  /** The outbox's retention: events older than this, or beyond this many, are pruned. */
  events: {
    retentionS: number;
    /** SESSIONS_RETENTION_S: ended sessions (and their metadata) older than this are pruned. */
    sessionsRetentionS: number;
    maxRows: number;
    /** How often consumers (SSE, webhooks) look for events other replicas committed. */
    pollMs: number;
    /** A comment line on idle SSE streams this often, so proxies keep them open. */
    sseHeartbeatMs: number;
    /** An SSE client this far behind (bytes unsent) is dropped; it resumes with Last-Event-ID. */
    sseMaxBufferBytes: number;
  };
  /** How long a dashboard sign-in lasts. */
  dashboardSessionS: number;
  /** Cost reports: days shown, and how long one report is reused. */
  costs: { days: number; cacheMs: number; priceWaitMs: number };
  /** Events out to operators' URLs (src/webhooks/webhook-config.ts). */
  webhooks: WebhookConfig;
  /** The warm-pool policy (src/reconcile/demand-forecast.ts); POOL_MIN_READY and MAX_SERVERS bound it. */
  pool: PoolPolicySettings;
  limits: {
    bodyLimitBytes: number;
    maxPlayers: number;
    startsPerMinutePerAddress: number;
    failedJoinsPerMinutePerAddress: number;
    /** ADMIN_AUTH_FAIL_LIMIT_PER_MIN: wrong operator tokens per minute from one address; 0 = off. */
    operatorAuthFailuresPerMinutePerAddress: number;
    /** The whole request (headers and body) must have arrived this long after its first byte. */
    requestTimeoutMs: number;
    headersTimeoutMs: number;
    /** BODY_TIMEOUT_MS: what a body adds to the request's deadline (a waiting start's wait comes after it). */
    bodyTimeoutMs: number;
    /** CLOSE_LINGER_MS: after answering a request that was not read in full (413, 431), how long its rest is drained. */
    closeLingerMs: number;
    keepAliveTimeoutMs: number;
    shutdownGraceMs: number;
  };
  /** Caps and scopes that hold against strangers (src/guard/guard-config.ts). */
  guard: GuardConfig;
  /** Seats a join reserves (src/sessions/seat-config.ts). */
  seats: SeatConfig;
  /** Public lobbies and quick join (src/sessions/lobby-config.ts). */
  lobbies: LobbyConfig;
  /** The /v1 API. */
  v1: {
    /** Keys game clients present (X-Api-Key or bearer) on /v1 client routes; empty = no key needed. */
    clientApiKeys: string[];
    /** Longest `?wait=` a GET /v1/sessions/{code} may hold a request, in seconds. */
    longPollMaxS: number;
    /** Largest session `metadata` accepted, in bytes of JSON. */
    metadataMaxBytes: number;
  };
}

/** A bad environment: one message that names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and validates settings from `env` (process.env by default, after loading `.env`). */
export function loadConfig(env: Env = readProcessEnv()): Readonly<Config> {
  const r = new Reader(env);
  const port = r.int('PORT', 8000, 0, 65535);
  const dbUrl = r.str('DATABASE_URL', '');
  if (dbUrl && !/^postgres(ql)?:\/\//.test(dbUrl)) r.bad('DATABASE_URL', dbUrl, 'a postgres:// URL');
  const certFile = r.str('SSL_CERTFILE', '');
  const keyFile = r.str('SSL_KEYFILE', '');
  if (Boolean(certFile) !== Boolean(keyFile)) r.problem('SSL_CERTFILE and SSL_KEYFILE must be set together');
  for (const [name, file] of [
    ['SSL_CERTFILE', certFile],
    ['SSL_KEYFILE', keyFile],
  ] as const) {
    if (file && !existsSync(file)) r.problem(`${name}: file not found: ${file}`);
  }
  const provider = r.oneOf<ProviderName>('PROVIDER', PROVIDER_NAMES[0]!, PROVIDER_NAMES);
  const regionProviders = readRegionProviders(r, PROVIDER_NAMES);
  const providers = readProviderSettings(r, [provider, ...Object.values(regionProviders)]);
  const machineDefaults = providerDefaults(provider);
  const maxServers = r.int('MAX_SERVERS', 10, 0, 100_000);
  const poolMinReady = r.int('POOL_MIN_READY', 0, 0, 100_000);
  if (poolMinReady > maxServers) r.problem(`POOL_MIN_READY (${poolMinReady}) exceeds MAX_SERVERS (${maxServers})`);
  const poolPolicy = r.oneOf('POOL_POLICY', 'fixed', ['fixed', 'forecast'] as const);
  const hmacKeys = [r.str('INTERNAL_HMAC_KEY', ''), r.str('INTERNAL_HMAC_SECRET', '')];
  const hmacKey = hmacKeys.find(Boolean) || null;
  const trustProxy = r.trustProxy('TRUST_PROXY');
  const pgPool = readPgPoolConfig(r);
  const publicUrl = r.url('PUBLIC_URL', `http://127.0.0.1:${port}`).replace(/\/+$/, '');
  const regionDefaults = providerRegionDefaults(provider, providers, regionProviders);
  const regions = readRegionSettings(r, regionDefaults, { maxServers, publicUrl, regionProviders });

  const config: Config = {
    host: r.str('HOST', '0.0.0.0'),
    port,
    logLevel: r.oneOf('LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
    logFormat: r.oneOf('LOG_FORMAT', 'auto', ['auto', 'json', 'pretty'] as const),
    warnings: [],
    publicUrl,
    db: dbUrl
      ? { kind: 'postgres', url: dbUrl, pool: pgPool, defaultRegion: regions.defaultRegion }
      : { kind: 'sqlite', path: r.str('DB_PATH', './data/orchestrator.db'), defaultRegion: regions.defaultRegion },
    provider,
    regions,
    hmac: { key: hmacKey, maxSkewS: r.int('INTERNAL_HMAC_MAX_SKEW_SECONDS', 300, 1, 86_400) },
    adminToken: r.str('ADMIN_TOKEN', '') || null,
    credentialSecret: r.str('SERVER_CREDENTIAL_SECRET', '') || null,
    metricsToken: r.str('METRICS_TOKEN', '') || null,
    readyzTimeoutMs: r.int('READYZ_TIMEOUT_MS', 2000, 1, 600_000),
    tls: certFile && keyFile ? { certFile, keyFile } : null,
    enforceHttps: r.bool('ENFORCE_HTTPS', false),
    trustProxy,
    corsAllowedOrigins: r.list('CORS_ALLOWED_ORIGINS'),
    ...providers,
    lifecycle: {
      startTimeoutS: r.num('START_TIMEOUT_S', 60, 0, 3600),
      startPollMs: r.int('START_POLL_MS', 250, 1, 60_000),
      readiness: r.oneOf('READINESS', 'heartbeat', ['heartbeat', 'address'] as const),
      bootTimeoutS: r.num('BOOT_TIMEOUT_S', machineDefaults.bootTimeoutS, 1, 86_400),
      heartbeatPeriodS: r.num('HEARTBEAT_PERIOD_S', 30, 0.01, 86_400),
      heartbeatFailureThreshold: r.int('HEARTBEAT_FAILURE_THRESHOLD', 3, 1, 1000),
      outageSilentFraction: r.num('OUTAGE_SILENT_FRACTION', 0.5, 0, 1),
      sessionIdleTimeoutS: r.num('SESSION_IDLE_TIMEOUT_S', 300, 0.01, 7 * 86_400),
      sessionMaxLifetimeS: r.num('SESSION_MAX_LIFETIME_S', 6 * 3600, 0.01, 30 * 86_400),
      // The forecast decides whether a freed server is kept: it must come back to the pool (any region's) to be kept.
      recycleServers: r.bool('RECYCLE_SERVERS', forecastsAnywhere(regions, poolPolicy)),
      poolMinReady,
      poolBuffer: r.int('POOL_BUFFER', 0, 0, 100_000),
      maxServers,
      orphanGraceS: r.num('ORPHAN_GRACE_S', 120, 0, 86_400),
      teardownHandoffS: r.num('TEARDOWN_HANDOFF_S', 5, 0, 3600),
      reconcileIntervalS: r.num('RECONCILE_INTERVAL_S', 10, 0.01, 3600),
      maxCreatesPerPass: r.int('MAX_CREATES_PER_PASS', 10, 1, 10_000),
      maxDeletesPerPass: r.int('MAX_DELETES_PER_PASS', 20, 1, 10_000),
      idempotencyTtlS: r.num('IDEMPOTENCY_TTL_S', 86_400, 1, 30 * 86_400),
      leaseS: r.num('LEASE_S', 15, 0.05, 3600),
      capacityHoldS: r.num('CAPACITY_HOLD_S', 60, 0, 86_400),
      bootingPollMs: r.int('BOOTING_POLL_MS', 1000, 0, 600_000),
    },
    events: {
      retentionS: r.num('EVENTS_RETENTION_S', 7 * 86_400, 1, 366 * 86_400),
      // At least a day: an Idempotency-Key (IDEMPOTENCY_TTL_S, 24 h by default) must find its session.
      sessionsRetentionS: r.num('SESSIONS_RETENTION_S', 7 * 86_400, 86_400, 3660 * 86_400),
      maxRows: r.int('EVENTS_MAX_ROWS', 100_000, 100, 100_000_000),
      pollMs: r.int('EVENTS_POLL_MS', 1000, 5, 600_000),
      sseHeartbeatMs: r.int('SSE_HEARTBEAT_MS', 15_000, 10, 3_600_000),
      sseMaxBufferBytes: r.int('SSE_MAX_BUFFER_BYTES', 1_048_576, 1024, 1024 * 1024 * 1024),
    },
    webhooks: readWebhookConfig(r),
    dashboardSessionS: r.int('DASHBOARD_SESSION_S', 12 * 3600, 60, 30 * 86_400),
    costs: {
      days: r.int('COSTS_DAYS', 7, 1, 366),
      cacheMs: r.int('COSTS_CACHE_MS', 5000, 0, 3_600_000),
      priceWaitMs: r.int('COSTS_PRICE_WAIT_MS', 3000, 1, 600_000),
    },
    pool: readPoolPolicy(r, poolPolicy, machineDefaults),
    limits: {
      bodyLimitBytes: r.int('BODY_LIMIT_BYTES', 65_536, 64, 100 * 1024 * 1024),
      maxPlayers: r.int('MAX_PLAYERS_PER_SERVER', 10_000, 1, 1_000_000),
      // At most a million a minute: a leaky bucket's level is kept in thousandths of a hit in a
      // 32-bit column (PostgreSQL's integer), and (limit + 1) × 1000 must fit.
      startsPerMinutePerAddress: r.int('START_RATE_LIMIT_PER_MIN', 60, 0, 1_000_000),
      failedJoinsPerMinutePerAddress: r.int('JOIN_FAIL_LIMIT_PER_MIN', 30, 0, 1_000_000),
      operatorAuthFailuresPerMinutePerAddress: r.int('ADMIN_AUTH_FAIL_LIMIT_PER_MIN', 10, 0, 1_000_000),
      requestTimeoutMs: r.int('REQUEST_TIMEOUT_MS', 0, 0, 3_600_000),
      headersTimeoutMs: r.int('HEADERS_TIMEOUT_MS', 10_000, 1, 600_000),
      bodyTimeoutMs: r.int('BODY_TIMEOUT_MS', 10_000, 1, 3_600_000),
      closeLingerMs: r.int('CLOSE_LINGER_MS', 5000, 0, 600_000),
      keepAliveTimeoutMs: r.int('KEEP_ALIVE_TIMEOUT_MS', 72_000, 1, 600_000),
      shutdownGraceMs: r.int('SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    },
    guard: readGuardConfig(r, trustProxy !== false),
    seats: readSeatConfig(r),
    lobbies: readLobbyConfig(r),
    v1: {
      clientApiKeys: r.list('CLIENT_API_KEYS'),
      longPollMaxS: r.int('V1_LONG_POLL_MAX_S', 30, 0, 300),
      metadataMaxBytes: r.int('V1_METADATA_MAX_BYTES', 4096, 2, 1_048_576),
    },
  };
  // Node's requestTimeout bounds receiving a request, not answering it: a start's wait for a
  // server begins once its request has arrived, so this deadline need not outlast it.
  const { limits } = config;
  if (limits.requestTimeoutMs === 0) limits.requestTimeoutMs = limits.headersTimeoutMs + limits.bodyTimeoutMs;
  else if (limits.requestTimeoutMs < limits.headersTimeoutMs)
    r.problem(
      `REQUEST_TIMEOUT_MS (${limits.requestTimeoutMs}) must be at least HEADERS_TIMEOUT_MS (${limits.headersTimeoutMs})`,
    );
  config.warnings = lookalikeWarnings(Object.keys(env), r.names);
  if (config.adminToken !== null && config.adminToken.length < 32)
    config.warnings.push(
      `ADMIN_TOKEN is ${config.adminToken.length} characters long: anyone who guesses it runs the fleet. ` +
        'Use at least 32 random characters (for example: openssl rand -hex 32).',
    );
  // A typo often explains a missing value ("DIGITALOCEAN_TOKEN is required"): name it too.
  if (r.problems.length) throw new ConfigError([...r.problems, ...config.warnings]);
  return deepFreeze(config);
}
