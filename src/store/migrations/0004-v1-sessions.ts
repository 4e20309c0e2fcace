import type { Kysely, Migration } from 'kysely';

// Migrations see the database as it was then, not as db-schema.ts says it is now.
type AnyDb = Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * What a /v1 start may say about its session: the most players it takes (joins past it are
 * refused; null = no limit) and the game's own metadata (JSON text, size-checked by the API).
 * Nullable columns, so rows made by the original's routes need no backfill. Pool settings
 * changed at run time live in `meta` (key `pool_settings`), which every replica reads.
 */
export const v1SessionsMigration: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('sessions').addColumn('max_players', 'integer').execute();
    await db.schema.alterTable('sessions').addColumn('metadata', 'text').execute();
    // Operator listings page by (created_at, id) across all states.
    await db.schema.createIndex('sessions_created_at_id_idx').on('sessions').columns(['created_at', 'id']).execute();
    await db.schema.createIndex('servers_created_at_id_idx').on('servers').columns(['created_at', 'id']).execute();
  },
  async down(db: AnyDb) {
    await db.schema.dropIndex('servers_created_at_id_idx').execute();
    await db.schema.dropIndex('sessions_created_at_id_idx').execute();
    await db.schema.alterTable('sessions').dropColumn('metadata').execute();
    await db.schema.alterTable('sessions').dropColumn('max_players').execute();
  },
};
