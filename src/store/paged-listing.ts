import { sql, type Kysely } from 'kysely';
import type { Server, ServerState } from '../domain/server.js';
import type { Session, SessionState } from '../domain/session.js';
import type { Database } from './db-schema.js';
import { toServer, toSession } from './row-mapping.js';

/** A Kysely instance over the store's tables (never a transaction: see below). */
type Db = Kysely<Database>;

/** Rows per page: a few milliseconds of reading and mapping on a small machine. */
export const LIST_PAGE_ROWS = 250;

/**
 * The reconciler's full listings (10,000 rows and more), read in pages of LIST_PAGE_ROWS in
 * the listing's own order (created_at, id), letting the event loop run between pages. One
 * statement over 10,000 rows holds a synchronous driver (better-sqlite3) for ~60 ms, and every
 * request arriving meanwhile waits that long.
 *
 * Outside a transaction only: the pages are separate statements, so a row that changes
 * between two pages is seen in the state of its own page (at most once: the keyset only moves
 * forward). The reconciler is level-triggered and re-checks every write conditionally, so a
 * row seen slightly stale is planned again next pass, like a row written just after a listing.
 */
export async function listServersPaged(db: Db, states: readonly ServerState[] | undefined, pageRows = LIST_PAGE_ROWS): Promise<Server[]> {
  if (states && states.length === 0) return [];
  const out: Server[] = [];
  let after: { createdAt: number; id: string } | null = null;
  for (;;) {
    let q = db.selectFrom('servers').selectAll().orderBy('created_at').orderBy('id').limit(pageRows);
    if (states) q = q.where('state', 'in', states);
    if (after) q = q.where(afterKey(after));
    const rows = await q.execute();
    for (const r of rows) out.push(toServer(r));
    if (rows.length < pageRows) return out;
    const last = rows[rows.length - 1]!;
    after = { createdAt: last.created_at, id: last.id };
    await letEventLoopRun();
  }
}

/** listSessions in pages; see listServersPaged. */
export async function listSessionsPaged(db: Db, states: readonly SessionState[], pageRows = LIST_PAGE_ROWS): Promise<Session[]> {
  if (states.length === 0) return [];
  const out: Session[] = [];
  let after: { createdAt: number; id: string } | null = null;
  for (;;) {
    let q = db.selectFrom('sessions').selectAll().where('state', 'in', states).orderBy('created_at').orderBy('id').limit(pageRows);
    if (after) q = q.where(afterKey(after));
    const rows = await q.execute();
    for (const r of rows) out.push(toSession(r));
    if (rows.length < pageRows) return out;
    const last = rows[rows.length - 1]!;
    after = { createdAt: last.created_at, id: last.id };
    await letEventLoopRun();
  }
}

/** (created_at, id) > (createdAt, id), written out so both dialects use their indexes. */
function afterKey(after: { createdAt: number; id: string }) {
  return sql<boolean>`(created_at > ${after.createdAt} OR (created_at = ${after.createdAt} AND id > ${after.id}))`;
}

/** One turn of the event loop (setImmediate): requests queued behind us run first. */
export function letEventLoopRun(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
