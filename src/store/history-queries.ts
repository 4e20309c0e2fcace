import type { Kysely } from 'kysely';
import type { Database } from './db-schema.js';

/*
 * History retention (issue 21 item 2): ended sessions (with their metadata, holder and seat rows)
 * are pruned after a retention, a bounded batch at a time, oldest first, through the partial
 * index of migration 0009, so a batch is a range read however much history there is.
 *
 * Deleted server rows are kept: the cost report prices them, they are small (~200 bytes) and
 * their number is bounded by the provider's create rate, and deleting one makes the database
 * check the sessions' foreign key, a scan of `sessions` per row without a full index on
 * `sessions.server_id` (which every warm start would pay for).
 */

type Db = Kysely<Database>;

export async function pruneEndedSessions(db: Db, endedBeforeMs: number, batch: number): Promise<number> {
  const ids = (
    await db
      .selectFrom('sessions')
      .select('id')
      .where('state', '=', 'ended')
      .where('ended_at', '<', endedBeforeMs)
      .orderBy('ended_at')
      .orderBy('id')
      .limit(batch)
      .execute()
  ).map((r) => r.id);
  if (ids.length === 0) return 0;
  await db.deleteFrom('session_holders').where('session_id', 'in', ids).execute();
  await db.deleteFrom('seats').where('session_id', 'in', ids).execute();
  const r = await db.deleteFrom('sessions').where('id', 'in', ids).where('state', '=', 'ended').executeTakeFirst();
  return Number(r.numDeletedRows);
}
