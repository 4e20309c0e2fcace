import { sql, type Kysely, type Migration } from 'kysely';

// Migrations see the database as it was then, not as db-schema.ts says it is now.
type AnyDb = Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Public lobbies (issue 24): a /v1 session may be public (`is_public` 1; private, 0, stays
 * reachable by code only) with a `mode` and a few string attributes, kept twice: as JSON text on
 * the session (`attributes`, what a listing shows) and one row each in `session_attributes`
 * (what a listing filters by, a primary-key lookup per candidate). Both are written once, at
 * the start, and never change.
 *
 * `sessions_lobby_idx` (and `sessions_lobby_all_idx`, in listing order for a listing of every mode) holds only the sessions a lobby listing or a quick join may answer with:
 * public, live, with a free seat (`seats_held < max_players`; a public session always has a
 * max_players). A session leaves it as its last seat is claimed and comes back when one is
 * freed, so a listing reads its own rows only, however many private, full or ended sessions
 * there are. The queries repeat the predicate literally (constants, not parameters) so both
 * planners can use the index.
 */
export const lobbiesMigration: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .alterTable('sessions')
      .addColumn('is_public', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.alterTable('sessions').addColumn('mode', 'text').execute();
    await db.schema.alterTable('sessions').addColumn('attributes', 'text').execute();
    await db.schema
      .createTable('session_attributes')
      .addColumn('session_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('session_attributes_pk', ['session_id', 'name'])
      .execute();
    const room = sql.raw<boolean>(`is_public = 1 AND state <> 'ended' AND seats_held < max_players`);
    await db.schema
      .createIndex('sessions_lobby_idx')
      .on('sessions')
      .columns(['mode', 'created_at', 'id'])
      .where(room)
      .execute();
    // A listing of every mode, in listing order.
    await db.schema
      .createIndex('sessions_lobby_all_idx')
      .on('sessions')
      .columns(['created_at', 'id'])
      .where(room)
      .execute();
  },
  async down(db: AnyDb) {
    await db.schema.dropIndex('sessions_lobby_all_idx').execute();
    await db.schema.dropIndex('sessions_lobby_idx').execute();
    await db.schema.dropTable('session_attributes').execute();
    await db.schema.alterTable('sessions').dropColumn('attributes').execute();
    await db.schema.alterTable('sessions').dropColumn('mode').execute();
    await db.schema.alterTable('sessions').dropColumn('is_public').execute();
  },
};
