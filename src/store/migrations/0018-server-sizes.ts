import type { Kysely, Migration } from 'kysely';

// Migrations see the database as it was then, not as db-schema.ts says it is now.
type AnyDb = Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The size a machine was asked for (`servers.size`: a DigitalOcean size slug, a Hetzner server
 * type; null for local processes, external servers and rows older than this), so the cost
 * report prices each machine at its own size: an operator who changes DROPLET_SIZE no longer
 * sees the history, and the machines still running at the old size, re-priced at the new one.
 */
export const serverSizesMigration: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('servers').addColumn('size', 'text').execute();
  },
};
