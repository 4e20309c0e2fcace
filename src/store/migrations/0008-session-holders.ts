import type { Kysely, Migration } from 'kysely';

// Migrations see the database as it was then, not as db-schema.ts says it is now.
type AnyDb = Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Who asked for each session (a client address, or an API key's digest): the per-client cap on
 * live and pending sessions counts these (issue 21 item 1: 16 anonymous starts took 10 of 10
 * servers). A table of its own, so the hot session insert keeps its fixed SQL.
 */
export const sessionHoldersMigration: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('session_holders')
      .addColumn('session_id', 'text', (c) => c.primaryKey())
      .addColumn('holder', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('session_holders_holder_idx').on('session_holders').columns(['holder']).execute();
  },
  async down(db: AnyDb) {
    await db.schema.dropTable('session_holders').execute();
  },
};
