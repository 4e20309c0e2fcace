import type { Kysely, Migration } from 'kysely';

// Migrations see the database as it was then, not as db-schema.ts says it is now.
type AnyDb = Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Seats (issue 24): one row per player holding a place in a session, and on the session row
 * the number of rows it has (`seats_held`). A join claims a seat with one conditional UPDATE of
 * that counter (`seats_held < max_players`), so concurrent joins cannot overbook; the free
 * seats of a session are `max_players - seats_held`, read from the session row itself, so a
 * listing of sessions with room (public lobbies, quick join) needs no join nor count over
 * seats and can be served from an index on sessions. The column has a default, so the hot
 * session insert keeps its fixed SQL.
 *
 * `deadline_at` is when a seat is freed unless its player (re)connects: a reserved seat's
 * SEAT_TTL_S, a left seat's RECONNECT_GRACE_S; null while taken. The sweep finds due seats by
 * its index.
 */
export const seatsMigration: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .alterTable('sessions')
      .addColumn('seats_held', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .createTable('seats')
      .addColumn('session_id', 'text', (c) => c.notNull())
      .addColumn('player_id', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('reserved_at', 'bigint', (c) => c.notNull())
      .addColumn('taken_at', 'bigint')
      .addColumn('left_at', 'bigint')
      .addColumn('deadline_at', 'bigint')
      .addPrimaryKeyConstraint('seats_pk', ['session_id', 'player_id'])
      .execute();
    await db.schema.createIndex('seats_deadline_idx').on('seats').columns(['deadline_at']).execute();
  },
  async down(db: AnyDb) {
    await db.schema.dropTable('seats').execute();
    await db.schema.alterTable('sessions').dropColumn('seats_held').execute();
  },
};
