import { sql, type Kysely } from 'kysely';
import type { Database } from './db-schema.js';

type Db = Kysely<Database>;

/** Notes who asked for a session (migration 0008). */
export async function holdSession(db: Db, sessionId: string, holder: string): Promise<void> {
  await sql`INSERT INTO session_holders (session_id, holder) VALUES (${sessionId}, ${holder})`.execute(db);
}

/** A holder's sessions by state: those holding a server (active) and those waiting (pending). */
export interface HeldCount {
  active: number;
  pending: number;
}

export async function countLiveHeld(db: Db, holder: string): Promise<HeldCount> {
  const { rows } = await sql<{ active: number | string | null; pending: number | string | null }>`
    SELECT sum(CASE WHEN s.state = 'active' THEN 1 ELSE 0 END) AS active,
           sum(CASE WHEN s.state = 'pending' THEN 1 ELSE 0 END) AS pending
    FROM session_holders h JOIN sessions s ON s.id = h.session_id
    WHERE h.holder = ${holder} AND s.state IN ('pending', 'active')`.execute(db);
  return { active: Number(rows[0]?.active ?? 0), pending: Number(rows[0]?.pending ?? 0) };
}

/**
 * The fair queue's rank of the pending session `p`: how many servers its holder already holds
 * (active sessions). A session with no holder row (its holder had no cap, or it predates
 * migration 0008) ranks 0, as a client waiting for its first server.
 */
export const HOLDER_RANK = sql`(SELECT count(*) FROM session_holders mine
    JOIN session_holders theirs ON theirs.holder = mine.holder
    JOIN sessions held ON held.id = theirs.session_id
    WHERE mine.session_id = p.id AND held.state = 'active')`;
