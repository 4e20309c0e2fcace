/** @game-orchestrator/server: signed calls, a heartbeat loop with backoff, and a stop on SIGTERM. */

export interface SignInput {
  method: string;
  /** Path without the query, e.g. `/v1/servers/ID/heartbeat`. */
  path: string;
  /** Raw query without '?' ('' when none). */
  query?: string;
  /** The exact bytes sent ('' for no body). */
  body?: string | Uint8Array;
  /** SERVER_CREDENTIAL, or the shared INTERNAL_HMAC_KEY. */
  key: string;
  /** Sent as `Server-Id` when given (original routes with a server's own credential). */
  serverId?: string;
  /** Unix seconds; defaults to now. */
  timestampS?: number;
}

/** Request-Timestamp, Request-Signature (and Server-Id). */
export function signRequest(input: SignInput): Record<string, string>;

export interface GameServerAgentOptions {
  /** ORCHESTRATOR_URL (a path prefix is kept). */
  url: string;
  /** SERVER_CREDENTIAL (never logged), or the shared key for a studio's own server. */
  key: string;
  /** SERVER_ID, given by the orchestrator. */
  serverId?: string;
  /** `v1` (default with serverId): /v1/servers/{id}/…; `original`: /server/heartbeat and /server/end by address. */
  api?: 'v1' | 'original';
  /** The address players reach; required with api `original`. */
  publicIp?: string;
  /** Per-request timeout; default 10 000 ms. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** An answer: the HTTP status and the parsed JSON body (null when none). */
export interface CallResult {
  status: number;
  body: unknown;
  /** The answer's Retry-After header, when it had one. */
  retryAfter?: string;
}

export interface EndOptions {
  /** Tries in all (network errors, 5xx and 429 are tried again); default 8. */
  attempts?: number;
  /** First backoff bound (doubling, full jitter) when the answer gives no Retry-After; default 500. */
  baseDelayMs?: number;
  /** Longest wait between tries; default 15000. */
  maxBackoffMs?: number;
}

export interface HeartbeatLoopOptions {
  /**
   * The players connected now: their number, or (api v1) their player ids, which also reports
   * seats (listed: taken; a taken seat no longer listed: held for the reconnect grace).
   */
  players: () => number | readonly string[];
  /** Default 5000 ms. */
  intervalMs?: number;
  /** Longest wait after repeated failures; default 30 000 ms. */
  maxBackoffMs?: number;
  onResult?: (r: { status?: number; body?: unknown; error?: unknown }) => void;
}

/** The key seat tokens are signed with: HMAC-SHA256(key, "seat-token-v1"), 32 bytes. */
export function seatTokenKey(key: string): Buffer;

export type SeatCheck =
  | { ok: true; player: string; session: string; expiresAtS: number }
  | { ok: false; reason: 'malformed' | 'forged' | 'expired' | 'wrong_session' };

/**
 * Checks a seat token offline with the server's signing key: MAC (constant time), expiry, and
 * the session when given (null: this server holds none, so every token is refused).
 */
export function verifySeatToken(
  key: string,
  token: string,
  opts?: { session?: string | null; nowS?: number },
): SeatCheck;

export class GameServerAgent {
  constructor(opts: GameServerAgentOptions);
  /** ORCHESTRATOR_URL, SERVER_ID, SERVER_CREDENTIAL (or INTERNAL_HMAC_KEY and PUBLIC_IP). */
  static fromEnv(env?: Record<string, string | undefined>, extra?: Partial<GameServerAgentOptions>): GameServerAgent;
  readonly api: 'v1' | 'original';
  /** The share code of the session this server holds (from /v1 heartbeat answers); null: none yet. */
  readonly session: string | null;
  /**
   * The players connected now: a number, or (api v1) their player ids: listed players' seats are
   * taken, a taken seat of a player no longer listed is held for the reconnect grace (the original
   * routes get the count).
   */
  heartbeat(players: number | readonly string[]): Promise<CallResult>;
  /** Checks a connecting player's seat token for this server's session (refreshing it once by heartbeat). */
  verifySeat(token: string, opts?: { session?: string }): Promise<SeatCheck>;
  /** Players who connected (seats taken) and left (held for the reconnect grace); /v1 only. */
  reportPlayers(r: { connected?: string[]; left?: string[] }): Promise<CallResult>;
  ready(players?: number): Promise<CallResult>;
  /** Ends the session; tried again on a network error, 5xx or 429 (Retry-After honoured). */
  end(opts?: EndOptions): Promise<CallResult>;
  startHeartbeats(opts: HeartbeatLoopOptions): () => Promise<void>;
  stopHeartbeats(): Promise<void>;
  stopOnSignals(opts?: {
    signals?: NodeJS.Signals[];
    onStop?: (signal: NodeJS.Signals) => Promise<void> | void;
    exit?: (code: number) => void;
  }): () => void;
}
