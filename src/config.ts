import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (works from src/ under tsx and from dist/ when built). */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Every setting of the service, validated once at start and frozen. */
export interface Config {
  host: string;
  port: number;
  logLevel: string;
  /** Where game servers reach us; defaults to http://127.0.0.1:<port>. */
  publicUrl: string;
  db: { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };
  provider: 'local' | 'digitalocean';
  hmac: {
    /** Shared key of the original service (INTERNAL_HMAC_KEY, else INTERNAL_HMAC_SECRET); null = server routes 503. */
    key: string | null;
    maxSkewS: number;
  };
  /** Bearer token for operator routes (/v1/status); null = those routes answer 503. */
  adminToken: string | null;
  /** Master secret per-server credentials derive from; null = generated once and kept in the store. */
  credentialSecret: string | null;
  tls: { certFile: string; keyFile: string } | null;
  enforceHttps: boolean;
  /** Trust X-Forwarded-* from a proxy in front (client address for rate limits, https detection). */
  trustProxy: boolean;
  corsAllowedOrigins: string[];
  local: {
    command: string;
    /** Game port on every local server's own loopback address (clients know only the address); 0 = any free port. */
    gamePort: number;
    stopGraceMs: number;
    heartbeatIntervalMs: number;
    emptyShutdownMs: number;
  };
  digitalocean: {
    token: string | null;
    apiUrl: string;
    tag: string;
    region: string;
    size: string;
    image: string | null;
    requestTimeoutMs: number;
    maxRetries: number;
    retryBaseMs: number;
    retryMaxMs: number;
    /** After an ambiguous create, wait this long before looking for the droplet by name. */
    createSettleMs: number;
    /** Longest a call waits for rate budget before failing (retryably). */
    maxRateWaitMs: number;
  };
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
    reconcileIntervalS: number;
    maxCreatesPerPass: number;
    maxDeletesPerPass: number;
    idempotencyTtlS: number;
  };
  /** The warm-pool policy (src/reconcile/demand-forecast.ts); POOL_MIN_READY and MAX_SERVERS bound it. */
  pool: PoolPolicySettings;
  limits: {
    bodyLimitBytes: number;
    maxPlayers: number;
    startsPerMinutePerAddress: number;
    failedJoinsPerMinutePerAddress: number;
    requestTimeoutMs: number;
    headersTimeoutMs: number;
    keepAliveTimeoutMs: number;
    shutdownGraceMs: number;
  };
}

/**
 * How the warm pool is sized. `fixed`: max(POOL_MIN_READY, POOL_BUFFER) idle servers.
 * `forecast`: enough ready servers that a start finds one with probability `targetInstant`,
 * from the recent start rate and trend, the measured boot time and the session lengths.
 */
export interface PoolPolicySettings {
  policy: 'fixed' | 'forecast';
  /** Share of starts that should find a ready server (forecast policy). */
  targetInstant: number;
  /** How far back session starts are read to estimate the rate. */
  windowS: number;
  /** Width of the buckets the rate is smoothed over (Holt's linear method, one step per bucket). */
  stepS: number;
  /** Half-life of the rate's level. */
  rateHalfLifeS: number;
  /** Half-life of the rate's trend. */
  trendHalfLifeS: number;
  /** Boot time assumed until one is measured (seconds from create to ready). */
  bootEstimateS: number;
  /** How long a measured boot counts. */
  bootWindowS: number;
  /** The n-th idle server is held only while the forecast expects it taken within this long (n / rate ≤ this). */
  maxIdleS: number;
  /** DigitalOcean API calls one pool server costs (create, its address, delete): sizes the per-pass budget. */
  apiCallsPerServer: number;
}

/** A bad environment: one message that names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads and validates settings from `env` (process.env by default, after loading `.env`). */
export function loadConfig(env: Env = readProcessEnv()): Readonly<Config> {
  const r = new Reader(env);
  const port = r.int('PORT', 8000, 0, 65535);
  const dbUrl = r.str('DATABASE_URL', '');
  if (dbUrl && !/^postgres(ql)?:\/\//.test(dbUrl)) r.bad('DATABASE_URL', dbUrl, 'a postgres:// URL');
  const certFile = r.str('SSL_CERTFILE', '');
  const keyFile = r.str('SSL_KEYFILE', '');
  if (Boolean(certFile) !== Boolean(keyFile)) r.problem('SSL_CERTFILE and SSL_KEYFILE must be set together');
  for (const [name, file] of [['SSL_CERTFILE', certFile], ['SSL_KEYFILE', keyFile]] as const) {
    if (file && !existsSync(file)) r.problem(`${name}: file not found: ${file}`);
  }
  const provider = r.oneOf('PROVIDER', 'local', ['local', 'digitalocean'] as const);
  const token = r.str('DIGITALOCEAN_TOKEN', '') || null;
  const image = r.str('SNAPSHOT_ID', '') || null;
  if (provider === 'digitalocean') {
    if (!token) r.problem('DIGITALOCEAN_TOKEN is required with PROVIDER=digitalocean');
    if (!image) r.problem('SNAPSHOT_ID is required with PROVIDER=digitalocean (a snapshot id or an image slug)');
  }
  const tag = r.str('DROPLET_TAG', 'femquest-server');
  if (!/^[a-zA-Z0-9_\-:]{1,255}$/.test(tag)) r.bad('DROPLET_TAG', tag, 'letters, digits, _, - and : only');
  const maxServers = r.int('MAX_SERVERS', 10, 0, 100_000);
  const poolMinReady = r.int('POOL_MIN_READY', 0, 0, 100_000);
  if (poolMinReady > maxServers) r.problem(`POOL_MIN_READY (${poolMinReady}) exceeds MAX_SERVERS (${maxServers})`);
  const poolPolicy = r.oneOf('POOL_POLICY', 'fixed', ['fixed', 'forecast'] as const);
  const hmacKey = r.str('INTERNAL_HMAC_KEY', '') || r.str('INTERNAL_HMAC_SECRET', '') || null;

  const config: Config = {
    host: r.str('HOST', '0.0.0.0'),
    port,
    logLevel: r.oneOf('LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
    publicUrl: r.url('PUBLIC_URL', `http://127.0.0.1:${port}`).replace(/\/+$/, ''),
    db: dbUrl ? { kind: 'postgres', url: dbUrl } : { kind: 'sqlite', path: r.str('DB_PATH', './data/orchestrator.db') },
    provider,
    hmac: { key: hmacKey, maxSkewS: r.int('INTERNAL_HMAC_MAX_SKEW_SECONDS', 300, 1, 86_400) },
    adminToken: r.str('ADMIN_TOKEN', '') || null,
    credentialSecret: r.str('SERVER_CREDENTIAL_SECRET', '') || null,
    tls: certFile && keyFile ? { certFile, keyFile } : null,
    enforceHttps: r.bool('ENFORCE_HTTPS', false),
    trustProxy: r.bool('TRUST_PROXY', false),
    corsAllowedOrigins: r.list('CORS_ALLOWED_ORIGINS'),
    local: {
      command: r.str('GAME_SERVER_COMMAND', defaultGameServerCommand()),
      gamePort: r.int('LOCAL_GAME_PORT', 7777, 0, 65535),
      stopGraceMs: r.int('LOCAL_STOP_GRACE_MS', 5000, 0, 600_000),
      heartbeatIntervalMs: r.int('LOCAL_HEARTBEAT_INTERVAL_MS', 5000, 10, 3_600_000),
      emptyShutdownMs: r.int('LOCAL_EMPTY_SHUTDOWN_MS', 30_000, 0, 86_400_000),
    },
    digitalocean: {
      token,
      apiUrl: r.url('DO_API_URL', 'https://api.digitalocean.com').replace(/\/+$/, ''),
      tag,
      region: r.str('DROPLET_REGION', 'nyc3'),
      size: r.str('DROPLET_SIZE', 's-1vcpu-1gb'),
      image,
      requestTimeoutMs: r.int('DO_REQUEST_TIMEOUT_MS', 15_000, 1, 600_000),
      maxRetries: r.int('DO_MAX_RETRIES', 5, 0, 20),
      retryBaseMs: r.int('DO_RETRY_BASE_MS', 1000, 1, 600_000),
      retryMaxMs: r.int('DO_RETRY_MAX_MS', 30_000, 1, 3_600_000),
      createSettleMs: r.int('DO_CREATE_SETTLE_MS', 3000, 0, 600_000),
      maxRateWaitMs: r.int('DO_MAX_RATE_WAIT_MS', 60_000, 0, 3_600_000),
    },
    lifecycle: {
      startTimeoutS: r.num('START_TIMEOUT_S', 60, 0, 3600),
      startPollMs: r.int('START_POLL_MS', 250, 1, 60_000),
      readiness: r.oneOf('READINESS', 'heartbeat', ['heartbeat', 'address'] as const),
      bootTimeoutS: r.num('BOOT_TIMEOUT_S', provider === 'local' ? 60 : 600, 1, 86_400),
      heartbeatPeriodS: r.num('HEARTBEAT_PERIOD_S', 30, 0.01, 86_400),
      heartbeatFailureThreshold: r.int('HEARTBEAT_FAILURE_THRESHOLD', 3, 1, 1000),
      outageSilentFraction: r.num('OUTAGE_SILENT_FRACTION', 0.5, 0, 1),
      sessionIdleTimeoutS: r.num('SESSION_IDLE_TIMEOUT_S', 300, 0.01, 7 * 86_400),
      sessionMaxLifetimeS: r.num('SESSION_MAX_LIFETIME_S', 6 * 3600, 0.01, 30 * 86_400),
      // The forecast decides whether a freed server is kept: it must come back to the pool to be kept.
      recycleServers: r.bool('RECYCLE_SERVERS', poolPolicy === 'forecast'),
      poolMinReady,
      poolBuffer: r.int('POOL_BUFFER', 0, 0, 100_000),
      maxServers,
      orphanGraceS: r.num('ORPHAN_GRACE_S', 120, 0, 86_400),
      reconcileIntervalS: r.num('RECONCILE_INTERVAL_S', 10, 0.01, 3600),
      maxCreatesPerPass: r.int('MAX_CREATES_PER_PASS', 10, 1, 10_000),
      maxDeletesPerPass: r.int('MAX_DELETES_PER_PASS', 20, 1, 10_000),
      idempotencyTtlS: r.num('IDEMPOTENCY_TTL_S', 86_400, 1, 30 * 86_400),
    },
    pool: {
      policy: poolPolicy,
      targetInstant: r.num('POOL_TARGET_INSTANT', 0.95, 0, 0.9999),
      windowS: r.num('POOL_FORECAST_WINDOW_S', 1800, 10, 7 * 86_400),
      stepS: r.num('POOL_FORECAST_STEP_S', 30, 1, 3600),
      rateHalfLifeS: r.num('POOL_RATE_HALF_LIFE_S', 120, 1, 86_400),
      trendHalfLifeS: r.num('POOL_TREND_HALF_LIFE_S', 300, 1, 86_400),
      bootEstimateS: r.num('POOL_BOOT_ESTIMATE_S', provider === 'local' ? 2 : 60, 0, 3600),
      bootWindowS: r.num('POOL_BOOT_WINDOW_S', 3600, 60, 30 * 86_400),
      maxIdleS: r.num('POOL_MAX_IDLE_S', 300, 0, 86_400),
      apiCallsPerServer: r.int('POOL_API_CALLS_PER_SERVER', 3, 1, 100),
    },
    limits: {
      bodyLimitBytes: r.int('BODY_LIMIT_BYTES', 65_536, 64, 100 * 1024 * 1024),
      maxPlayers: r.int('MAX_PLAYERS_PER_SERVER', 10_000, 1, 1_000_000),
      startsPerMinutePerAddress: r.int('START_RATE_LIMIT_PER_MIN', 60, 0, 10_000_000),
      failedJoinsPerMinutePerAddress: r.int('JOIN_FAIL_LIMIT_PER_MIN', 30, 0, 10_000_000),
      requestTimeoutMs: r.int('REQUEST_TIMEOUT_MS', 0, 0, 3_600_000),
      headersTimeoutMs: r.int('HEADERS_TIMEOUT_MS', 10_000, 1, 600_000),
      keepAliveTimeoutMs: r.int('KEEP_ALIVE_TIMEOUT_MS', 72_000, 1, 600_000),
      shutdownGraceMs: r.int('SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    },
  };
  if (config.pool.stepS > config.pool.windowS) r.problem(`POOL_FORECAST_STEP_S (${config.pool.stepS}) exceeds POOL_FORECAST_WINDOW_S (${config.pool.windowS})`);
  if (config.limits.requestTimeoutMs === 0) {
    // A start may wait START_TIMEOUT_S for a server; the socket timeout must outlast it.
    config.limits.requestTimeoutMs = Math.ceil(config.lifecycle.startTimeoutS * 1000) + 30_000;
  }
  if (r.problems.length) throw new ConfigError(r.problems);
  return deepFreeze(config);
}

function defaultGameServerCommand(): string {
  return `${JSON.stringify(process.execPath)} ${JSON.stringify(path.join(PACKAGE_ROOT, 'examples/game-server/server.mjs'))}`;
}

/** process.env after `.env` in the working directory (real environment wins). */
function readProcessEnv(): Env {
  const file = process.env.DOTENV_PATH ?? '.env';
  if (existsSync(file)) process.loadEnvFile(file);
  return process.env;
}

class Reader {
  readonly problems: string[] = [];
  constructor(private env: Env) {}
  raw(name: string): string | undefined {
    const v = this.env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  }
  problem(text: string): void {
    this.problems.push(text);
  }
  bad(name: string, value: string, want: string): void {
    // Values are shown except for secrets, which never reach a message.
    const shown = /TOKEN|SECRET|KEY/.test(name) ? '<hidden>' : JSON.stringify(value);
    this.problems.push(`${name}=${shown}: expected ${want}`);
  }
  str(name: string, dflt: string): string {
    return this.raw(name) ?? dflt;
  }
  num(name: string, dflt: number, min: number, max: number): number {
    const v = this.raw(name);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!/^-?\d+(\.\d+)?$/.test(v) || n < min || n > max) {
      this.bad(name, v, `a number from ${min} to ${max}`);
      return dflt;
    }
    return n;
  }
  int(name: string, dflt: number, min: number, max: number): number {
    const v = this.raw(name);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!/^-?\d+$/.test(v) || n < min || n > max) {
      this.bad(name, v, `a whole number from ${min} to ${max}`);
      return dflt;
    }
    return n;
  }
  bool(name: string, dflt: boolean): boolean {
    const v = this.raw(name)?.toLowerCase();
    if (v === undefined) return dflt;
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off'].includes(v)) return false;
    this.bad(name, v, 'true or false');
    return dflt;
  }
  oneOf<T extends string>(name: string, dflt: T, allowed: readonly T[]): T {
    const v = this.raw(name);
    if (v === undefined) return dflt;
    if ((allowed as readonly string[]).includes(v)) return v as T;
    this.bad(name, v, `one of ${allowed.join(', ')}`);
    return dflt;
  }
  url(name: string, dflt: string): string {
    const v = this.raw(name);
    if (v === undefined) return dflt;
    try {
      const u = new URL(v);
      if (u.protocol === 'http:' || u.protocol === 'https:') return v;
    } catch {
      /* reported below */
    }
    this.bad(name, v, 'an http(s) URL');
    return dflt;
  }
  list(name: string): string[] {
    return (this.raw(name) ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }
}

function deepFreeze<T>(o: T): Readonly<T> {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
