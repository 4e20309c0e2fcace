import type { Kysely, Migration } from 'kysely';

// Migrations see the database as it was then, not as db-schema.ts says it is now.
type AnyDb = Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * A pending /v1 session placed by its players' latencies keeps that request on its row
 * (`placement_request`, JSON text; null for every other session), so when its region's provider
 * refuses creates, whichever replica sees the refusal re-places it by the same rule — before, the
 * request lived only in the memory of the replica that took the start, and a session started on
 * another replica (or before a restart) was ended instead. Written once, on the cold path only.
 */
export const placementRequestsMigration: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('sessions').addColumn('placement_request', 'text').execute();
  },
};
