import { sql, type Kysely } from 'kysely';
import type { EventData, EventKind, FleetEvent, NewEvent } from '../domain/events.js';
import type { Database, DialectKind, EventRow } from './db-schema.js';
import { HotStatement } from './hot-statement.js';

type Db = Kysely<Database>;

/*
 * Readers follow the outbox by cursor (`id > after`, SSE's Last-Event-ID, a webhook URL's
 * cursor), so an event must never become visible below an id a reader has already passed.
 * SQLite commits one transaction at a time: AUTOINCREMENT ids are handed out in commit order.
 *
 * PostgreSQL runs writers concurrently. An id from a sequence is taken when the INSERT runs, not
 * when its transaction commits: T1 takes id 5, T2 takes id 6 and commits, a reader reads 6 and
 * moves its cursor past 5, then T1 commits and 5 is never read. (Taking a global advisory lock
 * before the INSERT fixed that by making every event-writing transaction in the cluster commit
 * one after another; it held ~8 of 10 backends waiting.) Instead:
 *
 * - An event's id is its writing transaction's position followed by its index in the
 *   transaction: ((xid + offset) << 12) + i, with xid = pg_current_xact_id() (xid8, 64 bits, never
 *   wraps; PostgreSQL 13+) and i < 4096. Ids therefore sort by (xid, i), and every id of a
 *   transaction lies in [pos(xid), pos(xid + 1)).
 * - A reader reads only ids below pos(xmin), xmin = pg_snapshot_xmin(pg_current_snapshot()): the
 *   oldest transaction id still in progress in the cluster. Every transaction with an xid below
 *   xmin has ended (PostgreSQL's own visibility rests on that), so each of its events is either
 *   committed and visible in the statement's snapshot, or rolled back and never will be; and a
 *   transaction still running, or one that starts later, has an xid ≥ xmin, so all its ids are
 *   ≥ pos(xmin). Hence the ids below pos(xmin) that a read sees are final: nothing can appear
 *   there later, and a cursor that moved past them skips nothing. xmin only grows, so the
 *   readable prefix only grows.
 * - The watermark and the rows are read in ONE statement: pg_current_snapshot() is that
 *   statement's snapshot, the one its scan uses. From two statements (READ COMMITTED takes a
 *   snapshot each) an xmin newer than the scan's snapshot could let a reader pass events that
 *   committed in between and that the scan did not see.
 * - The price: a transaction that holds an xid for long (in any database of the cluster, since
 *   xids are the cluster's) holds readers back, never loses an event for them. Ours are bounded
 *   by PG_STATEMENT_TIMEOUT_MS; an operator's long transaction delays the event stream.
 * - Ids are sparse (a transaction's events are 4096 apart from the next one's), so nothing may
 *   count rows by subtracting ids (pruning by count and the dashboard's recent events do not).
 * - A JavaScript number holds ids exactly while xid + offset < 2^41: 2.2 trillion transactions.
 * - The offset (meta `events.xid_offset`, absent = 0) keeps new ids above ids already stored
 *   when the transaction counter is lower than they are: a database restored with pg_dump into
 *   a new cluster (which restarts the counter) or one migrated from the identity sequence
 *   (migration 0010). rebaseEventIds() raises it at every start when needed, before any write.
 */

/** Events one transaction may write on PostgreSQL: the low bits of an id (see above). */
export const EVENTS_PER_TX = 4096;
const OFFSET_KEY = 'events.xid_offset';
const OFFSET = `COALESCE((SELECT CAST(value AS bigint) FROM meta WHERE key = '${OFFSET_KEY}'), 0)`;
/** The first id of the transaction whose xid (an xid8 expression) is given. */
const position = (xid: string): string => `((CAST(CAST(${xid} AS text) AS bigint) + ${OFFSET}) * ${EVENTS_PER_TX})`;
/** Ids below this are final for the statement that computes it (see above). */
const WATERMARK = position('pg_snapshot_xmin(pg_current_snapshot())');

/**
 * The id of the i-th event of the statement's transaction (see above), for a statement that
 * writes events itself (warm-start-queries.ts): PostgreSQL only.
 */
export const eventIdInTx = (i: number) => sql<number>`${sql.raw(position('pg_current_xact_id()'))} + ${sql.lit(i)}`;

/** Writes a transaction's events in one statement; returns them with their ids. */
export async function insertEvents(db: Db, kind: DialectKind, events: readonly NewEvent[]): Promise<FleetEvent[]> {
  if (events.length === 0) return [];
  if (kind === 'postgres' && events.length > EVENTS_PER_TX)
    throw new Error(`a transaction wrote ${events.length} events; at most ${EVENTS_PER_TX} fit its ids`);
  const params: EventParams = [];
  for (const e of events) params.push(e.atMs, e.kind, e.serverId, e.sessionId, JSON.stringify(e.data));
  const rows = await insertEventsStatement(events.length).rows(db, kind, params);
  return events.map((e, i) => ({ ...e, id: Number(rows[i]!.id) }));
}

/**
 * Raises the id offset (see above) when stored ids reach the current transaction's position:
 * run once at start, after the migrations and before anything writes events. The check is a
 * no-op in normal operation (every stored id belongs to an older transaction).
 */
export async function rebaseEventIds(db: Db, kind: DialectKind): Promise<void> {
  if (kind !== 'postgres') return;
  const mine = position('pg_current_xact_id()');
  await sql`INSERT INTO meta (key, value)
    SELECT ${OFFSET_KEY}, CAST(m.top / ${sql.lit(EVENTS_PER_TX)} - CAST(CAST(pg_current_xact_id() AS text) AS bigint) + 1 AS text)
      FROM (SELECT max(id) AS top FROM events) m
     WHERE m.top >= ${sql.raw(mine)}
    ON CONFLICT (key) DO UPDATE SET value = CAST(GREATEST(CAST(meta.value AS bigint), CAST(excluded.value AS bigint)) AS text)`.execute(
    db,
  );
}

/** Each event's at_ms, kind, server_id, session_id and data, one event after the other. */
type EventParams = (number | string | null)[];
type EventInsert = HotStatement<EventParams, { id: number | string }>;

/**
 * The INSERT of n events, compiled once (see HotStatement): a start writes two, a heartbeat that
 * changes state one; every transaction that records anything runs one. Kept for the small
 * counts transactions write; a larger batch gets its statement built for the call. On
 * PostgreSQL it gives each event its id from the transaction's xid (see above).
 */
export function insertEventsStatement(n: number): EventInsert {
  const cached = EVENT_INSERTS[n];
  if (cached) return cached;
  const txPosition = sql.raw(position('pg_current_xact_id()'));
  const kept = n < EVENT_INSERTS.length;
  const st: EventInsert = new HotStatement(
    `insertEvents(${n})`,
    (db, p, kind) =>
      db
        .insertInto('events')
        .values(
          // The parameters are one flat list (what the driver takes), so each is typed here.
          Array.from({ length: n }, (_, i) => ({
            ...(kind === 'postgres' ? { id: sql<number>`${txPosition} + ${sql.lit(i)}` } : {}),
            at_ms: p(5 * i) as number,
            kind: p(5 * i + 1) as string,
            server_id: p(5 * i + 2) as string | null,
            session_id: p(5 * i + 3) as string | null,
            data: p(5 * i + 4) as string,
          })),
        )
        .returning('id'),
    kept,
  );
  if (kept) EVENT_INSERTS[n] = st;
  return st;
}
const EVENT_INSERTS: (EventInsert | undefined)[] = new Array<EventInsert | undefined>(9);

/** Only what a reader may pass on PostgreSQL: ids below the watermark (see above). */
const final = (kind: DialectKind) => sql<boolean>`${sql.raw(kind === 'postgres' ? `id < ${WATERMARK}` : '1 = 1')}`;

/** Events after a cursor, oldest first. */
export async function listEvents(db: Db, kind: DialectKind, afterId: number, limit: number): Promise<FleetEvent[]> {
  const rows = await db
    .selectFrom('events')
    .selectAll()
    .where('id', '>', afterId)
    .where(final(kind))
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map(toEvent);
}

/** The newest `limit` events up to and including `upToId`, oldest first (the dashboard's recent events). */
export async function recentEvents(db: Db, upToId: number, limit: number): Promise<FleetEvent[]> {
  const rows = await db
    .selectFrom('events')
    .selectAll()
    .where('id', '<=', upToId)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.reverse().map(toEvent);
}

/** The newest event a reader may pass: a cursor to start from "now" without skipping anything. */
export async function lastEventId(db: Db, kind: DialectKind): Promise<number> {
  const row = await db
    .selectFrom('events')
    .select((eb) => eb.fn.max('id').as('id'))
    .where(final(kind))
    .executeTakeFirst();
  return Number(row?.id ?? 0);
}

/**
 * Drops events older than `olderThanMs` and all but the newest `keepRows`, at most `batch`
 * rows per call, by primary-key range: the oldest rows are the first in the index, so a
 * call reads only what it deletes (no scan, no index on time needed). SQLite's ids are dense
 * (one commit at a time), so the newest `keepRows` start at last − keepRows; PostgreSQL's are
 * not (see above), so there the index is counted from the newest end, once a pass.
 */
export async function pruneEvents(
  db: Db,
  kind: DialectKind,
  olderThanMs: number,
  keepRows: number,
  batch: number,
): Promise<number> {
  const byCount = kind === 'sqlite' ? (await lastEventId(db, kind)) - keepRows : await newestButOne(db, keepRows);
  const oldest = await db.selectFrom('events').select(['id', 'at_ms']).orderBy('id').limit(batch).execute();
  let upTo = 0;
  for (const r of oldest) {
    const id = Number(r.id);
    if (id <= byCount || Number(r.at_ms) < olderThanMs) upTo = id;
    else break;
  }
  if (upTo === 0) return 0;
  const res = await db.deleteFrom('events').where('id', '<=', upTo).executeTakeFirst();
  return Number(res.numDeletedRows);
}

/** The id just below the newest `keep` events (0 when there are no more than `keep`). */
async function newestButOne(db: Db, keep: number): Promise<number> {
  const row = await db.selectFrom('events').select('id').orderBy('id', 'desc').offset(keep).limit(1).executeTakeFirst();
  return row ? Number(row.id) : 0;
}

function toEvent(r: Omit<EventRow, 'id'> & { id: number | string }): FleetEvent {
  return {
    id: Number(r.id),
    atMs: Number(r.at_ms),
    kind: r.kind as EventKind,
    serverId: r.server_id,
    sessionId: r.session_id,
    data: JSON.parse(r.data) as EventData,
  };
}
