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
}

/** The part of config.ts's reader this block uses. */
export interface SettingsReader {
  int(name: string, dflt: number, min: number, max: number): number;
  num(name: string, dflt: number, min: number, max: number): number;
  bool(name: string, dflt: boolean): boolean;
  problem(text: string): void;
}

export function readGuardConfig(r: SettingsReader): GuardConfig {
  return {
    sharedKeyDrivesManaged: r.bool('SHARED_KEY_DRIVES_MANAGED', false),
    sessionsPerAddress: r.int('SESSIONS_PER_ADDRESS', 3, 0, 1_000_000),
    sessionsPerKey: r.int('SESSIONS_PER_KEY', 0, 0, 1_000_000),
    originalRoutesNeedKey: r.bool('ORIGINAL_ROUTES_NEED_KEY', false),
  };
}
