import type { Lobby, LobbyEntry } from '../domain/lobby.js';
import type { LobbyQuery } from './lobby-queries.js';
import type { Page } from './v1-types.js';

/**
 * The Store's public-lobby statements (migration 0014), part of StoreVerbs. A listing and a
 * quick join read sessions_lobby_idx only (public, live, seats_held < max_players).
 */
export interface LobbyVerbs {
  /** Makes a session public under a mode with its attributes (at its start, once). */
  setLobby(sessionId: string, lobby: Lobby): Promise<void>;
  /** Active public sessions with a free seat matching the query, oldest first, paged. */
  listLobbies(q: LobbyQuery): Promise<Page<LobbyEntry>>;
  /** Up to `limit` public sessions of a mode with a free seat (pending too), fullest first; of one region when given. */
  quickJoinCandidates(mode: string, limit: number, region?: string): Promise<string[]>;
  /**
   * Counts one more seat on a public session with room, pending or active, in one conditional
   * update (as claimSeat): false when full, private or ended. Then insertSeat.
   */
  claimLobbySeat(sessionId: string): Promise<boolean>;
}
