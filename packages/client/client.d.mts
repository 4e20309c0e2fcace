/** @game-orchestrator/client: start a session, wait until it is ready, join it by share code. */

export type SessionState = 'pending' | 'active' | 'ended';

/** A session as GET /v1/sessions/{code} shows it. */
export interface Session {
  /** Share code (6 characters). */
  code: string;
  state: SessionState;
  /** The game server's address, once active. */
  address: string | null;
  game_port: number | null;
  players: number;
  max_players: number | null;
  metadata: Record<string, unknown> | null;
  created_at: string | null;
  activated_at: string | null;
  ended_at: string | null;
  end_reason: string | null;
}

/** Codes the API answers with, and the client's own (`network`, `timeout`, `session_ended`). */
export type ErrorCode =
  | 'invalid_input'
  | 'unauthorized'
  | 'not_found'
  | 'session_full'
  | 'session_not_ready'
  | 'session_ended'
  | 'rate_limited'
  | 'unavailable'
  | 'network'
  | 'timeout'
  | (string & {});

export class OrchestratorApiError extends Error {
  /** HTTP status; 0 when the orchestrator was not reached. */
  readonly status: number;
  readonly code: ErrorCode;
  /** Seconds to wait before retrying, when the orchestrator said. */
  readonly retryAfterS: number | undefined;
  readonly retryable: boolean;
  constructor(status: number, code: ErrorCode, message: string, retryAfterS?: number);
}
export class NotFoundError extends OrchestratorApiError {}
export class ConflictError extends OrchestratorApiError {}
export class RateLimitedError extends OrchestratorApiError {}
export class UnauthorizedError extends OrchestratorApiError {}
export class SessionEndedError extends OrchestratorApiError {}

export interface SessionsClientOptions {
  url: string;
  apiKey?: string;
  retries?: number;
  retryBaseMs?: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export interface StartOptions extends PlacementOptions {
  maxPlayers?: number;
  metadata?: Record<string, unknown>;
  /** Default: a random UUID, reused by every retry of this start. */
  idempotencyKey?: string;
  /** Listed in lobbies and given by quick join (needs mode and maxPlayers); default private. */
  public?: boolean;
  mode?: string;
  /** Up to 8 string attributes lobbies filter by. */
  attributes?: Record<string, string>;
}

/** Where the players are: start(), lobbies() and quickJoin() take the same. */
export interface PlacementOptions {
  /** Start in this region and no other (see regions()). Not with latencies. */
  region?: string;
  /**
   * Measured latency per region in ms (measureLatencies()), or one map per player of a party:
   * the session goes where the worst player's latency is lowest, by the orchestrator's rule.
   */
  latencies?: Record<string, number> | Record<string, number>[];
  /** With latencies: only regions within this for every player (else 409 no_region_within_latency). */
  maxLatencyMs?: number;
}

/** One region of the fleet (GET /v1/regions). */
export interface Region {
  name: string;
  state: 'usable' | 'refusing_creates' | 'at_cap';
  ready_servers: number;
  /** A URL to time for the latency to this region. */
  ping_target: string;
  /** The region a start naming none goes to. */
  default: boolean;
  refusing_until: string | null;
}

export interface MeasureOptions {
  /** Timed requests per region after one untimed warm-up (default 5); the median is kept. */
  samples?: number;
  /** Per request (default 2000 ms); a region whose target does not answer is left out. */
  timeoutMs?: number;
  /** The regions to time (default: regions()); only name and ping_target are read. */
  regions?: Pick<Region, 'name' | 'ping_target'>[];
}

/** Filters; with region or latencies only regions within reach, best first. */
export interface LobbiesOptions extends PlacementOptions {
  mode?: string;
  /** Only sessions whose attributes equal these. */
  attributes?: Record<string, string>;
  limit?: number;
  /** next_cursor of the previous page. */
  cursor?: string | null;
}

/** A public session with a free seat. */
export interface Lobby {
  code: string;
  mode: string;
  /** The region its server is in. */
  region: string;
  /** Your latency to that region (a party's worst player's); null without latencies. */
  latency_ms: number | null;
  attributes: Record<string, string>;
  players: number;
  max_players: number;
  free_seats: number;
  created_at: string;
}

/** With region or latencies: a session in the best region within reach, or a new one placed as start() places it. */
export interface QuickJoinOptions extends WaitOptions, PlacementOptions {
  mode: string;
  playerId?: string;
  /** max_players of a session the quick join starts. */
  maxPlayers?: number;
  /** Wait for a pending session's server and join it for the token (default true). */
  wait?: boolean;
}

/** A quick join's seat: token null while the session's server is coming (wait: false). */
export type QuickJoined = Session & { seat: { player_id: string; token: string | null; expires_at: string } };

export interface JoinOptions {
  /** The player's own id; joining again with it gets a held seat back (a reconnect). */
  playerId?: string;
  /** The seat token of a seat held before (even expired): reconnects to it. */
  seatToken?: string;
}

/** A seat reserved by a join. */
export interface Seat {
  player_id: string;
  /** Show it to the game server when connecting. */
  token: string;
  /** Connect before this (ISO time), or the seat is freed. */
  expires_at: string;
  /** The player already held this seat. */
  again: boolean;
}

export type Joined = Session & { seat: Seat };

export interface WaitOptions {
  /** Default 120 000 ms. */
  timeoutMs?: number;
  /** Seconds per long-poll request; default 25. */
  pollS?: number;
}

export class SessionsClient {
  constructor(opts: SessionsClientOptions);
  start(opts?: StartOptions): Promise<Session>;
  get(code: string): Promise<Session>;
  waitUntilActive(code: string, opts?: WaitOptions): Promise<Session>;
  startAndWait(opts?: StartOptions & WaitOptions): Promise<Session>;
  /** Reserves a seat; the answer carries its token (show it to the game server). */
  join(code: string, opts?: JoinOptions): Promise<Joined>;
  lobbies(opts?: LobbiesOptions): Promise<{ items: Lobby[]; next_cursor: string | null }>;
  /** A seat in the fullest public session of the mode with room, or a new one. */
  quickJoin(opts: QuickJoinOptions): Promise<Joined | QuickJoined>;
  /** The fleet's regions with their state, ready servers and ping target. */
  regions(): Promise<{ items: Region[] }>;
  /** Region → median round trip (ms) to its ping target, for start({ latencies }). */
  measureLatencies(opts?: MeasureOptions): Promise<Record<string, number>>;
}
