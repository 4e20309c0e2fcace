import { sql, type ExpressionBuilder, type Kysely } from 'kysely';
import { SessionState } from '../domain/session.js';
import type { Database, DialectKind, SessionRow } from './db-schema.js';
import { HotStatement } from './hot-statement.js';

type Db = Kysely<Database>;

export async function holdSession(db: Db, kind: DialectKind, sessionId: string, holder: string): Promise<void> {
  await HOLD_SESSION.rows(db, kind, [sessionId, holder]);
}
// Every start with a per-client cap runs these two: compiled once (see HotStatement).
const HOLD_SESSION = new HotStatement<[sessionId: string, holder: string], never>('holdSession', (db, p) =>
  db.insertInto('session_holders').values({ session_id: p(0), holder: p(1) }),
);

/** A holder's sessions by state: those holding a server (active) and those waiting (pending). */
export interface HeldCount {
  active: number;
  pending: number;
}

export async function countLiveHeld(db: Db, kind: DialectKind, holder: string): Promise<HeldCount> {
  const rows = await COUNT_LIVE_HELD.rows(db, kind, [holder]);
  return { active: Number(rows[0]?.active ?? 0), pending: Number(rows[0]?.pending ?? 0) };
}
type Sum = number | string | null;
const COUNT_LIVE_HELD = new HotStatement<[holder: string], { active: Sum; pending: Sum }>('countLiveHeld', (db, p) =>
  db
    .selectFrom('session_holders as h')
    .innerJoin('sessions as s', 's.id', 'h.session_id')
    .select((eb) => {
      const inState = (state: SessionState) =>
        eb.fn.sum<Sum>(eb.case().when('s.state', '=', sql.lit(state)).then(eb.lit(1)).else(eb.lit(0)).end());
      return [inState(SessionState.Active).as('active'), inState(SessionState.Pending).as('pending')];
    })
    .where('h.holder', '=', p(0))
    .where('s.state', 'in', [sql.lit(SessionState.Pending), sql.lit(SessionState.Active)]),
);

/**
 * The fair queue's rank of the pending session `p`: how many servers its holder already holds
 * (active sessions). A session with no holder row (its holder had no cap, or it predates
 * migration 0008) ranks 0, as a client waiting for its first server.
 */
export function holderRank(eb: ExpressionBuilder<Database & { p: SessionRow }, 'p'>) {
  return eb
    .selectFrom('session_holders as mine')
    .innerJoin('session_holders as theirs', 'theirs.holder', 'mine.holder')
    .innerJoin('sessions as held', 'held.id', 'theirs.session_id')
    .select((e) => e.fn.countAll<number>().as('rank'))
    .whereRef('mine.session_id', '=', 'p.id')
    .where('held.state', '=', sql.lit(SessionState.Active));
}
