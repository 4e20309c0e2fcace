import { sql, type Kysely } from 'kysely';
import type { EventData, EventKind, FleetEvent, NewEvent } from '../domain/events.js';
import type { Database, DialectKind, EventRow } from './db-schema.js';
import { HotStatement } from './hot-statement.js';

type Db = Kysely<Database>;

/**
 * pg_advisory_xact_lock key for writing events ("GOEVENT" in ASCII). Taken just before a
 * transaction's events are inserted, its last statement before COMMIT: transactions that
 * write events commit one after another, so event ids are handed out in commit order and a
 * reader's cursor never skips an event that commits later with a smaller id. SQLite commits
 * one transaction at a time anyway.
 */
const EVENTS_LOCK_KEY = 0x474f4556454e54n;

/** Writes a transaction's events in one statement; returns them with their ids. */
export async function insertEvents(db: Db, kind: DialectKind, events: readonly NewEvent[]): Promise<FleetEvent[]> {
  if (events.length === 0) return [];
  if (kind === 'postgres') await sql`SELECT pg_advisory_xact_lock(${sql.lit(EVENTS_LOCK_KEY)})`.execute(db);
  const params: EventParams = [];
  for (const e of events) params.push(e.atMs, e.kind, e.serverId, e.sessionId, JSON.stringify(e.data));
  const rows = await insertEventsStatement(events.length).rows(db, kind, params);
  return events.map((e, i) => ({ ...e, id: Number(rows[i]!.id) }));
}

/** Each event's at_ms, kind, server_id, session_id and data, one event after the other. */
type EventParams = (number | string | null)[];
type EventInsert = HotStatement<EventParams, { id: number | string }>;

/**
 * The INSERT of n events, compiled once (see HotStatement): a start writes two, a heartbeat that
 * changes state one; every transaction that records anything runs one. Kept for the small
 * counts transactions write; a larger batch gets its statement built for the call.
 */
export function insertEventsStatement(n: number): EventInsert {
  const cached = EVENT_INSERTS[n];
  if (cached) return cached;
  const st: EventInsert = new HotStatement(`insertEvents(${n})`, (db, p) =>
    db
      .insertInto('events')
      .values(
        // The parameters are one flat list (what the driver takes), so each is typed here.
        Array.from({ length: n }, (_, i) => ({
          at_ms: p(5 * i) as number,
          kind: p(5 * i + 1) as string,
          server_id: p(5 * i + 2) as string | null,
          session_id: p(5 * i + 3) as string | null,
          data: p(5 * i + 4) as string,
        })),
      )
      .returning('id'),
  );
  if (n < EVENT_INSERTS.length) EVENT_INSERTS[n] = st;
  return st;
}
const EVENT_INSERTS: (EventInsert | undefined)[] = new Array<EventInsert | undefined>(9);

/** Events after a cursor, oldest first. */
export async function listEvents(db: Db, afterId: number, limit: number): Promise<FleetEvent[]> {
  const rows = await db.selectFrom('events').selectAll().where('id', '>', afterId).orderBy('id').limit(limit).execute();
  return rows.map(toEvent);
}

export async function lastEventId(db: Db): Promise<number> {
  const row = await db
    .selectFrom('events')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirst();
  return Number(row?.id ?? 0);
}

/**
 * Drops events older than `olderThanMs` and all but the newest `keepRows`, at most `batch`
 * rows per call, by primary-key range: the oldest rows are the first in the index, so a
 * call reads only what it deletes (no scan, no index on time needed).
 */
export async function pruneEvents(db: Db, olderThanMs: number, keepRows: number, batch: number): Promise<number> {
  const last = await lastEventId(db);
  const byCount = last - keepRows;
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
