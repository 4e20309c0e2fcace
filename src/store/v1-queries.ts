import { sql, type Kysely } from 'kysely';
import type { Database, SessionRow } from './db-schema.js';
import { toServer, toSession } from './row-mapping.js';
import type {
  DetailedSession,
  PageCursor,
  ServerPage,
  ServerPageQuery,
  SessionDetails,
  SessionPage,
  SessionPageQuery,
} from './v1-types.js';

/** A Kysely instance or a transaction over the store's tables. */
type Db = Kysely<Database>;

function detailed(r: SessionRow): DetailedSession {
  return { ...toSession(r), maxPlayers: r.max_players ?? null, metadata: r.metadata ?? null };
}

export async function setSessionDetails(db: Db, id: string, d: SessionDetails): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ max_players: d.maxPlayers, metadata: d.metadata })
    .where('id', '=', id)
    .execute();
}

export async function getDetailedSession(db: Db, id: string): Promise<DetailedSession | null> {
  const row = await db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? detailed(row) : null;
}

/**
 * The session a share code names: the live one, else the most recent ended one (a code is
 * unique among live sessions only, and may be handed out again after its session ended).
 */
export async function findSessionByCode(db: Db, code: string): Promise<DetailedSession | null> {
  const { rows } = await sql<SessionRow>`SELECT * FROM sessions WHERE code = ${code} AND state <> 'ended'`.execute(db);
  if (rows[0]) return detailed(rows[0]);
  const ended = await db
    .selectFrom('sessions')
    .selectAll()
    .where('code', '=', code)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return ended ? detailed(ended) : null;
}

/** Keyset condition: rows strictly after the cursor in (created_at, id) order. */
function afterCursor(c: PageCursor) {
  return sql<boolean>`(created_at > ${c.createdAtMs} OR (created_at = ${c.createdAtMs} AND id > ${c.id}))`;
}

export async function pageSessions(db: Db, q: SessionPageQuery): Promise<SessionPage> {
  let query = db
    .selectFrom('sessions')
    .selectAll()
    .orderBy('created_at')
    .orderBy('id')
    .limit(q.limit + 1);
  if (q.states?.length) query = query.where('state', 'in', q.states);
  if (q.serverId) query = query.where('server_id', '=', q.serverId);
  if (q.after) query = query.where(afterCursor(q.after));
  const rows = await query.execute();
  return { items: rows.slice(0, q.limit).map(detailed), more: rows.length > q.limit };
}

export async function pageServers(db: Db, q: ServerPageQuery): Promise<ServerPage> {
  let query = db
    .selectFrom('servers')
    .selectAll()
    .orderBy('created_at')
    .orderBy('id')
    .limit(q.limit + 1);
  if (q.states?.length) query = query.where('state', 'in', q.states);
  if (q.origins?.length) query = query.where('origin', 'in', q.origins);
  if (q.after) query = query.where(afterCursor(q.after));
  const rows = await query.execute();
  return { items: rows.slice(0, q.limit).map(toServer), more: rows.length > q.limit };
}

/** Stores value under key, replacing what was there. */
export async function setMeta(db: Db, key: string, value: string): Promise<void> {
  await db
    .insertInto('meta')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
}
