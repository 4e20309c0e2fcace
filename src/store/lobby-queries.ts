import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import type { Lobby, LobbyEntry } from '../domain/lobby.js';
import { SessionState } from '../domain/session.js';
import type { Database, DialectKind, SessionRow } from './db-schema.js';
import { HotStatement, type ParamOf } from './hot-statement.js';
import type { Page, PageCursor } from './v1-types.js';

/*
 * Public lobbies (migration 0014). Every query over sessions with room repeats the predicate
 * of sessions_lobby_idx with literals (lobbyRoom), so SQLite and PostgreSQL answer it from that
 * partial index: a public, live session with a free seat.
 */

type Db = Kysely<Database>;
type Eb = ExpressionBuilder<Database, 'sessions'>;
const lit = <T extends string | number>(value: T) => sql.lit(value);

/** The index's predicate, term for term. */
function lobbyRoom(eb: Eb) {
  return eb.and([
    eb('is_public', '=', lit(1)),
    eb('state', '<>', lit(SessionState.Ended)),
    eb('seats_held', '<', eb.ref('max_players')),
  ]);
}

/** What a lobby listing asks: a mode, a region, attributes that must equal, a page. */
export interface LobbyQuery {
  mode?: string;
  /** Only sessions in this region (a residual filter on the index's rows). */
  region?: string;
  attributes: ReadonlyArray<readonly [name: string, value: string]>;
  after?: PageCursor;
  limit: number;
}

export async function setLobby(db: Db, sessionId: string, lobby: Lobby): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ is_public: 1, mode: lobby.mode, attributes: JSON.stringify(lobby.attributes) })
    .where('id', '=', sessionId)
    .execute();
  const rows = Object.entries(lobby.attributes).map(([name, value]) => ({ session_id: sessionId, name, value }));
  if (rows.length > 0) await db.insertInto('session_attributes').values(rows).execute();
}

function toEntry(r: SessionRow): LobbyEntry {
  let attributes: Record<string, string> = {};
  try {
    attributes = JSON.parse(r.attributes ?? '{}') as Record<string, string>;
  } catch {
    /* written by setLobby: always JSON */
  }
  return {
    id: r.id,
    code: r.code,
    state: r.state === SessionState.Active ? 'active' : 'pending',
    mode: r.mode ?? '',
    region: r.region,
    attributes,
    seatsHeld: Number(r.seats_held ?? 0),
    maxPlayers: Number(r.max_players ?? 0),
    createdAtMs: Number(r.created_at),
  };
}

/** Active public sessions with a free seat, oldest first, a page after the cursor. */
export async function listLobbies(db: Db, q: LobbyQuery): Promise<Page<LobbyEntry>> {
  let query = db
    .selectFrom('sessions')
    .selectAll()
    .where(lobbyRoom)
    // Active, not pending: as a residual filter. `state = 'active'` would lead SQLite to the
    // state index, which holds every active session, private and full ones too.
    .where('activated_at', 'is not', null);
  if (q.mode !== undefined) query = query.where('mode', '=', q.mode);
  if (q.region !== undefined) query = query.where('region', '=', q.region);
  for (const [name, value] of q.attributes) {
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom('session_attributes')
          .select('session_attributes.session_id')
          .whereRef('session_attributes.session_id', '=', 'sessions.id')
          .where('session_attributes.name', '=', name)
          .where('session_attributes.value', '=', value),
      ),
    );
  }
  const after = q.after;
  if (after)
    query = query.where((eb) =>
      eb.or([
        eb('created_at', '>', after.createdAtMs),
        eb.and([eb('created_at', '=', after.createdAtMs), eb('id', '>', after.id)]),
      ]),
    );
  const rows = await query
    .orderBy('created_at')
    .orderBy('id')
    .limit(q.limit + 1)
    .execute();
  return { items: rows.slice(0, q.limit).map(toEntry), more: rows.length > q.limit };
}

/**
 * Public sessions of a mode with a free seat, pending or active, fullest first, then oldest;
 * with a region, only that region's (a residual filter on the index's rows).
 */
export async function quickJoinCandidates(
  db: Db,
  kind: DialectKind,
  mode: string,
  limit: number,
  region?: string,
): Promise<string[]> {
  const rows =
    region === undefined
      ? await QUICK_JOIN_CANDIDATES.rows(db, kind, [mode, limit])
      : await QUICK_JOIN_CANDIDATES_IN_REGION.rows(db, kind, [mode, limit, region]);
  return rows.map((r) => r.id);
}
type CandidateParams = [mode: string, limit: number, region?: string];
const candidates = (db: Db, p: ParamOf<CandidateParams>, inRegion: boolean) =>
  db
    .selectFrom('sessions')
    .select('id')
    .where(lobbyRoom)
    .where('mode', '=', p(0))
    .$if(inRegion, (q) => q.where('region', '=', p(2) as string))
    .orderBy('seats_held', 'desc')
    .orderBy('created_at')
    .orderBy('id')
    .limit(p(1));
const QUICK_JOIN_CANDIDATES = new HotStatement<CandidateParams, { id: string }>('quickJoinCandidates', (db, p) =>
  candidates(db, p, false),
);
const QUICK_JOIN_CANDIDATES_IN_REGION = new HotStatement<CandidateParams, { id: string }>(
  'quickJoinCandidates(region)',
  (db, p) => candidates(db, p, true),
);

/**
 * One more seat on a public session with room, pending (its server still coming) or active:
 * one conditional update, as claimSeat; false when it is full, private or ended.
 */
export async function claimLobbySeat(db: Db, kind: DialectKind, sessionId: string): Promise<boolean> {
  return (await CLAIM_LOBBY_SEAT.rows(db, kind, [sessionId])).length > 0;
}
const CLAIM_LOBBY_SEAT = new HotStatement<[sessionId: string], { seats_held: number }>('claimLobbySeat', (db, p) =>
  db
    .updateTable('sessions')
    .set((eb) => ({ seats_held: eb('seats_held', '+', lit(1)) }))
    .where('id', '=', p(0))
    .where(lobbyRoom)
    .returning('seats_held'),
);
