import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectKind } from '../db-schema.js';

// Migrations see the database as it was then, not as db-schema.ts says it is now.
type AnyDb = Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The replay cache keyed by (expires_at, the signature's first 64 bits) instead of the whole
 * 64-character signature: one small B-tree that grows at its right edge (expiry follows the
 * signed timestamp), so a signed request costs an append instead of a random insert into two
 * trees, and expiry is a range delete. The same signature always has the same timestamp, so a
 * replay always hits the same key; two different valid signatures collide with probability
 * 2^-64 per pair. On PostgreSQL the table stays UNLOGGED (see 0001).
 */
export function replayKeysMigration(kind: DialectKind): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema.dropTable('replay_cache').execute();
      let table = db.schema
        .createTable('replay_keys')
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('sig_prefix', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('replay_keys_pk', ['expires_at', 'sig_prefix']);
      table = kind === 'postgres' ? table.modifyFront(sql`unlogged`) : table.modifyEnd(sql`without rowid`);
      await table.execute();
    },
    async down(db: AnyDb) {
      await db.schema.dropTable('replay_keys').execute();
      await db.schema
        .createTable('replay_cache')
        .addColumn('signature', 'text', (c) => c.primaryKey())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('replay_cache_expires_at_idx').on('replay_cache').column('expires_at').execute();
    },
  };
}
