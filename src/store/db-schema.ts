import type { Generated } from 'kysely';
import type { ServerOrigin, ServerState } from '../domain/server.js';
import type { SeatState } from '../domain/seat.js';
import type { EndReason, SessionState } from '../domain/session.js';

/**
 * The tables as Kysely sees them (snake_case, as stored). Times are epoch milliseconds in
 * BIGINT columns (parsed to number on PostgreSQL); booleans are integers 0/1 on both dialects.
 */
export interface Database {
  servers: ServerRow;
  sessions: SessionRow;
  idempotency_keys: IdempotencyKeyRow;
  replay_keys: ReplayKeyRow;
  rate_counters: RateCounterRow;
  session_holders: SessionHolderRow;
  seats: SeatRow;
  session_attributes: SessionAttributeRow;
  meta: MetaRow;
  events: EventRow;
  webhook_targets: WebhookTargetRow;
  webhook_dead_letters: WebhookDeadLetterRow;
}

/** Which SQL dialect a store speaks; only the adapter branches on it. */
export type DialectKind = 'sqlite' | 'postgres';

export interface ServerRow {
  id: string;
  state: ServerState;
  origin: ServerOrigin;
  /** Migration 0011: the region it runs in. */
  region: string;
  /** Migration 0018: the size it was asked for (cost reports); null: not known (local, external, older rows). */
  size?: string | null;
  provider_id: string | null;
  ip: string | null;
  port: number | null;
  players: number;
  created_at: number;
  updated_at: number;
  state_changed_at: number;
  ready_at: number | null;
  last_heartbeat_at: number | null;
  reason: string | null;
  owner: string | null;
  lease_until: number | null;
}

export interface SessionRow {
  id: string;
  code: string;
  state: SessionState;
  server_id: string | null;
  created_at: number;
  activated_at: number | null;
  ended_at: number | null;
  end_reason: EndReason | null;
  last_played_at: number | null;
  /** 0 or 1: the start waited for a new server (a cold start). */
  fresh: number;
  /** Migration 0011: the region of its server (made there while it waits). */
  region: string;
  /** Migration 0011: why it was placed there (a placement reason code); null: the default region, no choice. */
  placement: string | null;
  /** Migration 0004: most players a /v1 session takes; null = no limit. */
  max_players?: number | null;
  /** Migration 0004: the game's metadata, JSON text. */
  metadata?: string | null;
  /** Migration 0012: seat rows this session has (what counts against max_players). */
  seats_held?: number;
  /** Migration 0014: 1 when the session is listed in public lobbies (0: reachable by code only). */
  is_public?: number;
  /** Migration 0014: the game mode a public session is listed under. */
  mode?: string | null;
  /** Migration 0014: the lobby attributes, JSON text (an object of strings). */
  attributes?: string | null;
  /** Migration 0016: a pending session's placement request by latencies, JSON text (re-placement). */
  placement_request?: string | null;
  owner: string | null;
  lease_until: number | null;
}

/** The outbox (migration 0003). `data` is a JSON object. */
export interface EventRow {
  id: Generated<number>;
  at_ms: number;
  kind: string;
  server_id: string | null;
  session_id: string | null;
  data: string;
}

export interface IdempotencyKeyRow {
  key: string;
  session_id: string;
  created_at: number;
  expires_at: number;
}

/** A signature seen recently: its expiry and its first 64 bits (see migration 0002). */
export interface ReplayKeyRow {
  expires_at: number;
  sig_prefix: bigint | string;
}

export interface RateCounterRow {
  /** The caller's key + ':' + the window's start (epoch ms). */
  key: string;
  count: number;
  expires_at: number;
}

export interface MetaRow {
  key: string;
  value: string;
}

/** Delivery state of one webhook URL (migration 0006). */
export interface WebhookTargetRow {
  id: string;
  url_hint: string;
  cursor: number;
  attempts: number;
  next_attempt_at: number;
  delivered: number;
  failed_attempts: number;
  dead: number;
  last_status: number | null;
  last_error: string | null;
  last_attempt_at: number | null;
  last_success_at: number | null;
  owner: string | null;
  lease_until: number;
}

/** An event whose last delivery attempt failed (migration 0006). */
export interface WebhookDeadLetterRow {
  id: Generated<number>;
  target_id: string;
  event_id: number;
  kind: string;
  dead_at: number;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  body: string;
}

/** Migration 0008: who asked for each session (a client bucket or a key digest). */
export interface SessionHolderRow {
  session_id: string;
  holder: string;
}

/** Migration 0012: one player's seat in a session. */
export interface SeatRow {
  session_id: string;
  player_id: string;
  state: SeatState;
  reserved_at: number;
  taken_at: number | null;
  left_at: number | null;
  deadline_at: number | null;
}

/** Migration 0014: one lobby attribute of a public session (what a listing filters by). */
export interface SessionAttributeRow {
  session_id: string;
  name: string;
  value: string;
}
