/**
 * Settings that guard the service against strangers (issue 21): caps on what one client
 * address or key may hold, connection caps, and who may drive which server. Read by config.ts
 * through the small reader interface below, so this block validates its own part.
 */
export interface GuardConfig {
  /**
   * The shared key (INTERNAL_HMAC_KEY) may also drive servers this orchestrator made (the
   * original's behaviour, for game-server images that do not send Server-Id yet). Default
   * false: a server with its own credential answers to that credential only.
   */
  sharedKeyDrivesManaged: boolean;
  /** Live + pending sessions one client address (IPv6: one /64) may hold; 0 = no cap. */
  sessionsPerAddress: number;
  /** Live + pending sessions one client API key may hold; 0 = no cap (a studio's key is all its players'). */
  sessionsPerKey: number;
  /** With CLIENT_API_KEYS set, the original's POST /sessions/start and /sessions/join want a key too. */
  originalRoutesNeedKey: boolean;
  /** Caps on open connections (src/http/connection-guard.ts). */
  connections: ConnectionCaps;
}

/** Caps on open connections, so a flood cannot take every file descriptor (issue 21 item 3). */
export interface ConnectionCaps {
  /** MAX_CONNECTIONS: connections served in full (lowered below the open-file limit at start); 0 = no cap. */
  maxConnections: number;
  /** MAX_CONNECTIONS_PER_ADDRESS: open connections from one socket address (IPv6: its /64); 0 = no cap. */
  perAddress: number;
  /** HEALTH_CONNECTIONS_RESERVE: connections past MAX_CONNECTIONS that may ask only /healthz, /readyz and /metrics. */
  healthReserve: number;
  /** CONNECTION_CAP_LOG_INTERVAL_MS: at most one log line per cap this often, with the count refused. */
  logIntervalMs: number;
}

/** The part of config.ts's reader this block uses. */
export interface SettingsReader {
  int(name: string, dflt: number, min: number, max: number): number;
  num(name: string, dflt: number, min: number, max: number): number;
  bool(name: string, dflt: boolean): boolean;
  problem(text: string): void;
}

/**
 * `behindProxy` (TRUST_PROXY set): every connection comes from the proxy's address, so a cap per
 * socket address would cap the proxy; MAX_CONNECTIONS_PER_ADDRESS is then off unless set.
 */
export function readGuardConfig(r: SettingsReader, behindProxy: boolean): GuardConfig {
  return {
    sharedKeyDrivesManaged: r.bool('SHARED_KEY_DRIVES_MANAGED', false),
    sessionsPerAddress: r.int('SESSIONS_PER_ADDRESS', 3, 0, 1_000_000),
    sessionsPerKey: r.int('SESSIONS_PER_KEY', 0, 0, 1_000_000),
    originalRoutesNeedKey: r.bool('ORIGINAL_ROUTES_NEED_KEY', false),
    connections: {
      maxConnections: r.int('MAX_CONNECTIONS', 4096, 0, 1_000_000),
      perAddress: r.int('MAX_CONNECTIONS_PER_ADDRESS', behindProxy ? 0 : 512, 0, 1_000_000),
      healthReserve: r.int('HEALTH_CONNECTIONS_RESERVE', 16, 0, 10_000),
      logIntervalMs: r.int('CONNECTION_CAP_LOG_INTERVAL_MS', 60_000, 1, 86_400_000),
    },
  };
}
