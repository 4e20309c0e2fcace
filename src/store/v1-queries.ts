import type { ExpressionBuilder, Kysely } from 'kysely';
import type { Database, DialectKind, SessionRow } from './db-schema.js';
import { liveSessionRowByCode } from './session-queries.js';
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

export async function findSessionByCode(db: Db, kind: DialectKind, code: string): Promise<DetailedSession | null> {
  const live = await liveSessionRowByCode(db, kind, code);
  if (live) return detailed(live);
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
  return (eb: ExpressionBuilder<Database, 'sessions' | 'servers'>) =>
    eb.or([eb('created_at', '>', c.createdAtMs), eb.and([eb('created_at', '=', c.createdAtMs), eb('id', '>', c.id)])]);
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

export async function setMeta(db: Db, key: string, value: string): Promise<void> {
  await db
    .insertInto('meta')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
}
