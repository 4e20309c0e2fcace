import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import { ServerState, type Server } from '../domain/server.js';
import { SessionState, type Session } from '../domain/session.js';
import type { Database, DialectKind } from './db-schema.js';
import { sqliteUnindexed } from './raw-sql.js';
import { toServer, toSession } from './row-mapping.js';
import { letEventLoopRun } from '../util/time-slice.js';

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
export async function listServersPaged(
  db: Db,
  kind: DialectKind,
  states: readonly ServerState[] | undefined,
  pageRows = LIST_PAGE_ROWS,
): Promise<Server[]> {
  if (states && states.length === 0) return [];
  // Listings that take the bulk of the live rows (ready or allocated: the reconciler's, the
  // metrics') page through the partial index of live rows in listing order (its predicate
  // repeated literally so SQLite uses it). A few transient states (the boot watcher's creating
  // and starting, every second) are found by the state index instead; all states, by the index
  // of every row.
  const liveOnly =
    states !== undefined &&
    !states.includes(ServerState.Deleted) &&
    (states.includes(ServerState.Ready) || states.includes(ServerState.Allocated));
  const out: Server[] = [];
  let after: { createdAt: number; id: string } | null = null;
  for (;;) {
    let q = db.selectFrom('servers').selectAll().orderBy('created_at').orderBy('id').limit(pageRows);
    if (liveOnly) q = q.where('state', '<>', sql.lit(ServerState.Deleted)).where(stateIn(kind, states));
    else if (states) q = q.where('state', 'in', states);
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
export async function listSessionsPaged(
  db: Db,
  kind: DialectKind,
  states: readonly SessionState[],
  pageRows = LIST_PAGE_ROWS,
): Promise<Session[]> {
  if (states.length === 0) return [];
  // As for servers: active sessions are the bulk of the live ones; pending ones are few.
  const liveOnly = !states.includes(SessionState.Ended) && states.includes(SessionState.Active);
  const out: Session[] = [];
  let after: { createdAt: number; id: string } | null = null;
  for (;;) {
    let q = db.selectFrom('sessions').selectAll().orderBy('created_at').orderBy('id').limit(pageRows);
    q = liveOnly
      ? q.where('state', '<>', sql.lit(SessionState.Ended)).where(stateIn(kind, states))
      : q.where('state', 'in', states);
    if (after) q = q.where(afterKey(after));
    const rows = await q.execute();
    for (const r of rows) out.push(toSession(r));
    if (rows.length < pageRows) return out;
    const last = rows[rows.length - 1]!;
    after = { createdAt: last.created_at, id: last.id };
    await letEventLoopRun();
  }
}

/**
 * `state IN (…)`; on SQLite as `+state IN (…)`: the unary plus (a no-op) keeps SQLite's planner
 * from picking an index by state, which answers the filter but not the order, so every page
 * would read and sort all matching rows. PostgreSQL plans by its statistics and has no `+`
 * for text.
 */
function stateIn(kind: DialectKind, states: readonly string[]) {
  return (eb: ExpressionBuilder<Database, 'servers' | 'sessions'>) =>
    eb(kind === 'sqlite' ? sqliteUnindexed<string>('state') : eb.ref('state'), 'in', states);
}

/**
 * (created_at, id) > (createdAt, id) as a row value, which both SQLite and PostgreSQL read as
 * one range of an index on (created_at, id), ties on created_at included. (Written out as
 * `created_at >= ? AND (created_at > ? OR id > ?)` the seek was on created_at alone: rows made
 * in the same millisecond were read again for every page after them.)
 */
function afterKey(after: { createdAt: number; id: string }) {
  return (eb: ExpressionBuilder<Database, 'servers' | 'sessions'>) =>
    eb(eb.refTuple('created_at', 'id'), '>', eb.tuple(after.createdAt, after.id));
}
