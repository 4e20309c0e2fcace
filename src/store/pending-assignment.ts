import { sql, type Kysely } from 'kysely';
import { SessionState, type Session } from '../domain/session.js';
import type { Database, DialectKind, SessionRow } from './db-schema.js';
import { holderRank } from './holder-queries.js';
import { HotStatement, type ParamOf } from './hot-statement.js';
import { toSession } from './row-mapping.js';

/** A Kysely instance or a transaction over the store's tables. */
type Db = Kysely<Database>;

/** The sessions_live_server_uq index's predicate literal (see session-queries.ts). */
const ENDED = sql.lit(SessionState.Ended);

/**
 * ONE statement (same pattern as claimReadyServer: SKIP LOCKED on PostgreSQL so concurrent
 * callers take different sessions), ordered by the holder's rank (holderRank): the fair queue
 * of issue 21 item 1, so no client gets a second server while another waits for its first.
 * Only a session of the server's region; nothing when the server already holds a live session.
 */
export async function assignOldestPending(
  db: Db,
  kind: DialectKind,
  serverId: string,
  nowMs: number,
  rankBelow?: number,
): Promise<Session | null> {
  const rows =
    rankBelow === undefined
      ? await ASSIGN_OLDEST_PENDING.rows(db, kind, [serverId, nowMs])
      : await ASSIGN_RANKED_BELOW.rows(db, kind, [serverId, nowMs, rankBelow]);
  return rows[0] ? toSession(rows[0]) : null;
}
// Every server that turns ready runs one: compiled once (see HotStatement). SKIP LOCKED on PostgreSQL only.
type AssignParams = [serverId: string, nowMs: number, rankBelow?: number];
const assignPending = (db: Db, p: ParamOf<AssignParams>, kind: DialectKind, ranked: boolean) =>
  db
    .updateTable('sessions')
    .set({ state: sql.lit(SessionState.Active), server_id: p(0), activated_at: p(1), last_played_at: p(1) })
    .where('id', '=', (eb) =>
      eb
        .selectFrom('sessions as p')
        .select('p.id')
        .where('p.state', '=', sql.lit(SessionState.Pending))
        // Only a session of the server's region (migration 0011): a start placed in one region waits for a server there.
        .where('p.region', '=', (r) => r.selectFrom('servers as s').select('s.region').where('s.id', '=', p(0)))
        .$if(ranked, (q) => q.where(holderRank, '<', p(2) as number))
        .orderBy(holderRank)
        .orderBy('p.created_at')
        .orderBy('p.id')
        .limit(sql.lit(1))
        .$if(kind === 'postgres', (q) => q.forNoKeyUpdate().skipLocked()),
    )
    .where('state', '=', sql.lit(SessionState.Pending))
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('sessions as live')
            .select(eb.lit(1).as('one'))
            .where('live.server_id', '=', p(0))
            .where('live.state', '<>', ENDED),
        ),
      ),
    )
    .returningAll();
const ASSIGN_OLDEST_PENDING = new HotStatement<AssignParams, SessionRow>('assignOldestPending', (db, p, kind) =>
  assignPending(db, p, kind, false),
);
const ASSIGN_RANKED_BELOW = new HotStatement<AssignParams, SessionRow>(
  'assignOldestPending(rankBelow)',
  (db, p, kind) => assignPending(db, p, kind, true),
);
