/**
 * Public lobbies (issue 24): a public session is listed under a game mode with a few string
 * attributes a listing filters by; a private one (the default) is reachable by code only.
 */
export interface Lobby {
  mode: string;
  /** Small string key/values (see the limits below). */
  attributes: Readonly<Record<string, string>>;
}

/** A mode, an attribute's name: short, plain (they are query-string keys and log words). */
export const MODE_PATTERN = '^[A-Za-z0-9._-]{1,32}$';
export const ATTRIBUTE_NAME_PATTERN = '^[a-z][a-z0-9_]{0,31}$';
export const ATTRIBUTE_VALUE_MAX = 64;
export const MAX_ATTRIBUTES = 8;

/** One public session with a free seat, as a lobby listing shows it. */
export interface LobbyEntry {
  id: string;
  code: string;
  state: 'pending' | 'active';
  mode: string;
  /** The region its server is (or will be) in. */
  region: string;
  attributes: Record<string, string>;
  seatsHeld: number;
  maxPlayers: number;
  createdAtMs: number;
}
