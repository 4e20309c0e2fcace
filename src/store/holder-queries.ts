import { sql, type Kysely } from 'kysely';
import type { Database } from './db-schema.js';

type Db = Kysely<Database>;

/** Notes who asked for a session (migration 0008). */
export async function holdSession(db: Db, sessionId: string, holder: string): Promise<void> {
  await sql`INSERT INTO session_holders (session_id, holder) VALUES (${sessionId}, ${holder})`.execute(db);
}

/** Pending and active sessions a holder asked for. */
export async function countLiveHeld(db: Db, holder: string): Promise<number> {
  const { rows } = await sql<{ n: number | string }>`
    SELECT count(*) AS n FROM session_holders h JOIN sessions s ON s.id = h.session_id
    WHERE h.holder = ${holder} AND s.state IN ('pending', 'active')`.execute(db);
  return Number(rows[0]?.n ?? 0);
}
