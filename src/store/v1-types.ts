import type { Server, ServerOrigin, ServerState } from '../domain/server.js';
import type { Session, SessionState } from '../domain/session.js';

/** What a /v1 start says about its session (migration 0004). */
export interface SessionDetails {
  /** Most players the session takes; null = no limit. */
  maxPlayers: number | null;
  /** The game's metadata as JSON text; null = none. */
  metadata: string | null;
}

/** A session with its /v1 details. */
export type DetailedSession = Session & SessionDetails;

/** A position in a listing ordered by (createdAtMs, id): the last row of the previous page. */
export interface PageCursor {
  createdAtMs: number;
  id: string;
}

export interface SessionPageQuery {
  states?: readonly SessionState[];
  serverId?: string;
  after?: PageCursor;
  limit: number;
}

export interface ServerPageQuery {
  states?: readonly ServerState[];
  origins?: readonly ServerOrigin[];
  after?: PageCursor;
  limit: number;
}

/** One page; `more` says whether rows follow the last one. */
export interface Page<T> {
  items: T[];
  more: boolean;
}

export type ServerPage = Page<Server>;
export type SessionPage = Page<DetailedSession>;
