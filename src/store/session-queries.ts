import { sql, type Kysely } from 'kysely';
import { SessionState, type EndReason, type Session } from '../domain/session.js';
import type { Database, DialectKind, SessionRow } from './db-schema.js';
import { fromSession, toSession } from './row-mapping.js';
import { HotStatement } from './hot-statement.js';

/** A Kysely instance or a transaction over the store's tables. */
type Db = Kysely<Database>;

/** `.where('state', '<>', ENDED)`: the sessions_live_*_uq indexes' predicate, as a literal so SQLite uses them. */
const ENDED = sql.lit(SessionState.Ended);

/**
 * ON CONFLICT DO NOTHING instead of catching a unique violation, which on PostgreSQL would
 * abort the caller's whole transaction. A conflict on the live-code index is the expected
 * "pick another code"; any other conflict (same id, a server that already holds a live
 * session) is a caller bug and throws.
 */
export async function insertSession(db: Db, kind: DialectKind, session: Session): Promise<boolean> {
  const row = fromSession(session);
  const inserted = await INSERT_SESSION.rows(db, kind, [
    row.id,
    row.code,
    row.state,
    row.server_id,
    row.created_at,
    row.activated_at,
    row.ended_at,
    row.end_reason,
    row.last_played_at,
    row.fresh,
    row.owner,
    row.lease_until,
    row.region,
    row.placement,
  ]);
  if (inserted.length > 0) return true;
  if (row.state !== 'ended' && (await liveSessionRowByCode(db, kind, row.code))) return false;
  throw new Error(`Session ${row.id} conflicts with an existing session (same id, or its server holds a live session)`);
}

// Every warm start runs it: compiled once (see HotStatement), not a Kysely tree per call.
type SessionInsertParams = [
  id: string,
  code: string,
  state: SessionState,
  serverId: string | null,
  createdAt: number,
  activatedAt: number | null,
  endedAt: number | null,
  endReason: EndReason | null,
  lastPlayedAt: number | null,
  fresh: number,
  owner: string | null,
  leaseUntil: number | null,
  region: string,
  placement: string | null,
];
const INSERT_SESSION = new HotStatement<SessionInsertParams, { id: string }>('insertSession', (db, p) =>
  db
    .insertInto('sessions')
    .values({
      id: p(0),
      code: p(1),
      state: p(2),
      server_id: p(3),
      created_at: p(4),
      activated_at: p(5),
      ended_at: p(6),
      end_reason: p(7),
      last_played_at: p(8),
      fresh: p(9),
      owner: p(10),
      lease_until: p(11),
      region: p(12),
      placement: p(13),
    })
    .onConflict((oc) => oc.doNothing())
    .returning('id'),
);

export async function getSession(db: Db, id: string): Promise<Session | null> {
  const row = await db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toSession(row) : null;
}

export async function findLiveSessionByCode(db: Db, kind: DialectKind, code: string): Promise<Session | null> {
  const row = await liveSessionRowByCode(db, kind, code);
  return row ? toSession(row) : null;
}

/** The live session's row with this code, every column (/v1 reads its details too). */
export async function liveSessionRowByCode(db: Db, kind: DialectKind, code: string): Promise<SessionRow | null> {
  const rows = await LIVE_SESSION_BY_CODE.rows(db, kind, [code]);
  return rows[0] ?? null;
}
// A start (a code taken?) and a /v1 lookup by code run it: compiled once (see HotStatement).
const LIVE_SESSION_BY_CODE = new HotStatement<[code: string], SessionRow>('liveSessionByCode', (db, p) =>
  db.selectFrom('sessions').selectAll().where('code', '=', p(0)).where('state', '<>', ENDED),
);

export async function findLiveSessionByServer(db: Db, kind: DialectKind, serverId: string): Promise<Session | null> {
  const rows = await LIVE_SESSION_BY_SERVER.rows(db, kind, [serverId]);
  return rows[0] ? toSession(rows[0]) : null;
}
// Every heartbeat's answer reads it: compiled once (see HotStatement).
const LIVE_SESSION_BY_SERVER = new HotStatement<[serverId: string], SessionRow>('liveSessionByServer', (db, p) =>
  db.selectFrom('sessions').selectAll().where('server_id', '=', p(0)).where('state', '<>', ENDED),
);

/**
 * Hot path (every join): one lookup of the code joined to its server's address. The
 * redundant `state <> 'ended'` lets SQLite use the live-code partial index.
 */
export async function findJoinAddress(db: Db, kind: DialectKind, code: string): Promise<string | null> {
  const rows = await FIND_JOIN_ADDRESS.rows(db, kind, [code]);
  return rows[0]?.ip ?? null;
}
const FIND_JOIN_ADDRESS = new HotStatement<[code: string], { ip: string | null }>('findJoinAddress', (db, p) =>
  db
    .selectFrom('sessions as s')
    .innerJoin('servers as sv', 'sv.id', 's.server_id')
    .select('sv.ip')
    .where('s.code', '=', p(0))
    .where('s.state', '<>', ENDED)
    .where('s.state', '=', sql.lit(SessionState.Active)),
);

export async function listSessions(db: Db, states: readonly SessionState[]): Promise<Session[]> {
  if (states.length === 0) return [];
  const rows = await db
    .selectFrom('sessions')
    .selectAll()
    .where('state', 'in', states)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toSession);
}

export async function countSessions(db: Db, states: readonly SessionState[]): Promise<number> {
  if (states.length === 0) return 0;
  const row = await db
    .selectFrom('sessions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('state', 'in', states)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function endSession(
  db: Db,
  id: string,
  from: readonly SessionState[],
  reason: EndReason,
  nowMs: number,
  leaseExpiredBy?: number,
): Promise<Session | null> {
  if (from.length === 0) return null;
  let q = db
    .updateTable('sessions')
    .set({ state: 'ended', ended_at: nowMs, end_reason: reason })
    .where('id', '=', id)
    .where('state', 'in', from);
  // A lease sweep ends only what is still unrenewed when the row is written, not what it read earlier.
  if (leaseExpiredBy !== undefined)
    q = q.where('lease_until', 'is not', null).where('lease_until', '<=', leaseExpiredBy);
  const row = await q.returningAll().executeTakeFirst();
  return row ? toSession(row) : null;
}

export async function touchSessionPlayed(db: Db, kind: DialectKind, serverId: string, nowMs: number): Promise<void> {
  await TOUCH_SESSION_PLAYED.rows(db, kind, [nowMs, serverId]);
}
const TOUCH_SESSION_PLAYED = new HotStatement<[nowMs: number, serverId: string], never>('touchSessionPlayed', (db, p) =>
  db
    .updateTable('sessions')
    .set({ last_played_at: p(0) })
    .where('server_id', '=', p(1))
    .where('state', '<>', ENDED),
);

/** Extends the waiting request's lease on a pending session (and takes it over). */
export async function renewSessionLease(db: Db, id: string, owner: string, untilMs: number): Promise<boolean> {
  const res = await db
    .updateTable('sessions')
    .set({ owner, lease_until: untilMs })
    .where('id', '=', id)
    .where('state', '=', 'pending')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** Ids per statement of the batched session reads and renewals (well inside every driver's parameter limit). */
const IDS_PER_STATEMENT = 500;

/** One statement per IDS_PER_STATEMENT ids. */
export async function sessionStates(db: Db, ids: readonly string[]): Promise<Map<string, SessionState>> {
  const out = new Map<string, SessionState>();
  for (let i = 0; i < ids.length; i += IDS_PER_STATEMENT) {
    const rows = await db
      .selectFrom('sessions')
      .select(['id', 'state'])
      .where('id', 'in', ids.slice(i, i + IDS_PER_STATEMENT))
      .execute();
    for (const r of rows) out.set(r.id, r.state);
  }
  return out;
}

export async function renewSessionLeases(
  db: Db,
  ids: readonly string[],
  owner: string,
  untilMs: number,
): Promise<number> {
  let n = 0;
  for (let i = 0; i < ids.length; i += IDS_PER_STATEMENT) {
    const res = await db
      .updateTable('sessions')
      .set({ owner, lease_until: untilMs })
      .where('id', 'in', ids.slice(i, i + IDS_PER_STATEMENT))
      .where('state', '=', 'pending')
      .executeTakeFirst();
    n += Number(res.numUpdatedRows);
  }
  return n;
}

/** Pending sessions whose waiting request is gone: its lease ran out. */
export async function listAbandonedPending(db: Db, nowMs: number): Promise<Session[]> {
  const rows = await db
    .selectFrom('sessions')
    .selectAll()
    .where('state', '=', 'pending')
    .where('lease_until', 'is not', null)
    .where('lease_until', '<=', nowMs)
    .orderBy('created_at')
    .execute();
  return rows.map(toSession);
}

/** Naming every state lets SQLite read sessions_state_created_at_idx as one range per state (PostgreSQL, whose index leaves active sessions out since 0017, reads sessions_created_at_id_idx from sinceMs). */
export async function listSessionsStartedSince(db: Db, sinceMs: number): Promise<Session[]> {
  const rows = await db
    .selectFrom('sessions')
    .selectAll()
    .where('state', 'in', ['pending', 'active', 'ended'])
    .where('created_at', '>=', sinceMs)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toSession);
}
