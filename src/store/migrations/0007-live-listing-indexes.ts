import { sql, type Kysely, type Migration } from 'kysely';

// Migrations see the database as it was then, not as db-schema.ts says it is now.
type AnyDb = Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The reconciler lists every live server and session each pass, in pages by (created_at, id).
 * With only (state, …) indexes SQLite read every live row and sorted them FOR EACH PAGE: a
 * listing of n rows cost n²/250 row reads, and at 100,000 live servers one page held the
 * event loop for ~80 ms (bench 2026-12-06: start@1 at 11 starts/s, join at 912 req/s while a
 * pass ran). These partial indexes hold only live rows in listing order, so a page is a range
 * read of its own rows, and ended and deleted rows (never purged) are not in the way. The
 * listing queries repeat the predicates literally so SQLite can use them.
 */
export const liveListingIndexesMigration: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createIndex('servers_live_created_at_idx')
      .on('servers')
      .columns(['created_at', 'id'])
      .where(sql.raw<boolean>(`state <> 'deleted'`))
      .execute();
    await db.schema
      .createIndex('sessions_live_created_at_idx')
      .on('sessions')
      .columns(['created_at', 'id'])
      .where(sql.raw<boolean>(`state <> 'ended'`))
      .execute();
  },
  async down(db: AnyDb) {
    await db.schema.dropIndex('sessions_live_created_at_idx').execute();
    await db.schema.dropIndex('servers_live_created_at_idx').execute();
  },
};
