import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectKind } from '../db-schema.js';

// Migrations see the database as it was then, not as db-schema.ts says it is now.
type AnyDb = Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Issue 22 item 6: on PostgreSQL an event's id no longer comes from the identity sequence (which
 * hands ids out in INSERT order, not commit order, and so needed a global lock) but from its
 * writing transaction's id: see event-queries.ts. The column keeps its values; the ids stored so
 * far stay below the new ones (rebaseEventIds() makes sure at every start). SQLite: unchanged.
 */
export function eventIdsByTransactionMigration(kind: DialectKind): Migration {
  return {
    async up(db: AnyDb) {
      if (kind === 'postgres') await sql`ALTER TABLE events ALTER COLUMN id DROP IDENTITY IF EXISTS`.execute(db);
    },
    async down(db: AnyDb) {
      if (kind !== 'postgres') return;
      await sql`ALTER TABLE events ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY`.execute(db);
      await sql`SELECT setval(pg_get_serial_sequence('events', 'id'), COALESCE((SELECT max(id) FROM events), 0) + 1, false)`.execute(
        db,
      );
    },
  };
}
