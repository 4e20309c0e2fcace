import type { SettingsReader } from '../guard/guard-config.js';

/** Public lobbies and quick join (issue 24). */
export interface LobbyConfig {
  /**
   * LOBBY_PENDING_SEAT_S: how long a seat a quick join reserved in a session whose server is
   * still coming is held (the player takes it with a join once the session is active).
   */
  pendingSeatS: number;
  /** LOBBY_LIST_LIMIT_PER_MIN: lobby listings per minute from one address; 0 turns the limit off. */
  listsPerMinute: number;
  /** LOBBY_DEFAULT_MAX_PLAYERS: max_players of a session a quick join starts when the request names none. */
  defaultMaxPlayers: number;
  /**
   * LOBBY_CACHE_MS: a lobby listing's answer is shared by every client asking the same query for
   * this long (one store read per distinct query per period, however many poll). A listing may
   * be this stale (seats taken or freed on another replica, a session ended); this process's
   * own joins and quick joins drop the answers at once. Quick join never reads it. 0: off.
   */
  cacheMs: number;
}

export function readLobbyConfig(r: Pick<SettingsReader, 'num' | 'int'>): LobbyConfig {
  return {
    pendingSeatS: r.num('LOBBY_PENDING_SEAT_S', 300, 1, 86_400),
    listsPerMinute: r.int('LOBBY_LIST_LIMIT_PER_MIN', 600, 0, 1_000_000),
    defaultMaxPlayers: r.int('LOBBY_DEFAULT_MAX_PLAYERS', 8, 1, 10_000),
    cacheMs: r.int('LOBBY_CACHE_MS', 1000, 0, 5000),
  };
}
