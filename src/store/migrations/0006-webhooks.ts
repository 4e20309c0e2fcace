import type { Kysely, Migration } from 'kysely';
import type { DialectKind } from '../db-schema.js';

// Migrations see the database as it was then, not as db-schema.ts says it is now.
type AnyDb = Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Webhook delivery state, kept with the data so a restart or another replica resumes where
 * delivery was (issue 10).
 *
 * - `webhook_targets`: one row per URL (keyed by a hash of it; the URL itself may carry a
 *   secret and is not stored, only a hint without query or credentials): the cursor (last
 *   event id settled), the retry state of the event at the cursor, counters, and a lease so
 *   one replica at a time delivers to a URL (order per URL).
 * - `webhook_dead_letters`: events whose last attempt failed, with the body that was sent,
 *   for the operator to see and replay by hand.
 */
export function webhooksMigration(kind: DialectKind): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('webhook_targets')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('url_hint', 'text', (c) => c.notNull())
        .addColumn('cursor', 'bigint', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('delivered', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('failed_attempts', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('dead', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('last_status', 'integer')
        .addColumn('last_error', 'text')
        .addColumn('last_attempt_at', 'bigint')
        .addColumn('last_success_at', 'bigint')
        .addColumn('owner', 'text')
        .addColumn('lease_until', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createTable('webhook_dead_letters')
        .addColumn('id', kind === 'postgres' ? 'bigint' : 'integer', (c) =>
          kind === 'postgres' ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey().autoIncrement(),
        )
        .addColumn('target_id', 'text', (c) => c.notNull())
        .addColumn('event_id', 'bigint', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('dead_at', 'bigint', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('last_status', 'integer')
        .addColumn('last_error', 'text')
        .addColumn('body', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('webhook_dead_letters_target')
        .on('webhook_dead_letters')
        .columns(['target_id', 'id'])
        .execute();
    },
    async down(db: AnyDb) {
      await db.schema.dropTable('webhook_dead_letters').execute();
      await db.schema.dropTable('webhook_targets').execute();
    },
  };
}
