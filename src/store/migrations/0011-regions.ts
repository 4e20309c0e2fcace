import { sql, type Kysely, type Migration } from 'kysely';

// Migrations see the database as it was then, not as db-schema.ts says it is now.
type AnyDb = Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Regions (issue 23): every server and session records its region, and a session why it was
 * placed there. Rows made before this migration ran in the one region there was, the default
 * (DROPLET_REGION on DigitalOcean): the column's default backfills them, and new rows always
 * name their own. The claim takes the longest-ready server of one region (the first entry of
 * servers_region_ready_idx for the region), and a server that turns ready goes to the oldest
 * pending session of its region (sessions_pending_region_idx).
 */
export function regionsMigration(defaultRegion: string): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .alterTable('servers')
        .addColumn('region', 'text', (c) => c.notNull().defaultTo(defaultRegion))
        .execute();
      await db.schema
        .alterTable('sessions')
        .addColumn('region', 'text', (c) => c.notNull().defaultTo(defaultRegion))
        .execute();
      await db.schema.alterTable('sessions').addColumn('placement', 'text').execute();
      await db.schema
        .createIndex('servers_region_ready_idx')
        .on('servers')
        .columns(['region', 'ready_at', 'id'])
        .where(sql.raw<boolean>(`state = 'ready'`))
        .execute();
      await db.schema
        .createIndex('sessions_pending_region_idx')
        .on('sessions')
        .columns(['region', 'created_at', 'id'])
        .where(sql.raw<boolean>(`state = 'pending'`))
        .execute();
    },
    async down(db: AnyDb) {
      await db.schema.dropIndex('sessions_pending_region_idx').execute();
      await db.schema.dropIndex('servers_region_ready_idx').execute();
      await db.schema.alterTable('sessions').dropColumn('placement').execute();
      await db.schema.alterTable('sessions').dropColumn('region').execute();
      await db.schema.alterTable('servers').dropColumn('region').execute();
    },
  };
}
