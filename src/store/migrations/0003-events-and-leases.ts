import { sql, type Kysely, type Migration } from 'kysely';
import { canonicalizeStoredAddresses } from '../canonicalize-addresses.js';
import type { DialectKind } from '../db-schema.js';

// Migrations see the database as it was then, not as db-schema.ts says it is now.
type AnyDb = Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The transactional outbox and the leases on work in flight.
 *
 * - `events`: one row per state change, written in the transaction that made the change. The
 *   id only grows (SQLite AUTOINCREMENT never reuses an id, even after pruning; PostgreSQL's
 *   identity sequence neither), so a consumer's cursor `after id` stays valid across pruning.
 * - `owner`/`lease_until` on servers (while `creating`) and sessions (while `pending`): which
 *   process waits on the row and until when. A row whose lease ran out belongs to a dead
 *   process and is resolved at once (adopted or deleted, ended as abandoned), instead of
 *   counting as "on the way" until a boot deadline.
 */
export function eventsAndLeasesMigration(kind: DialectKind): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('events')
        .addColumn('id', kind === 'postgres' ? 'bigint' : 'integer', (c) =>
          kind === 'postgres' ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey().autoIncrement(),
        )
        .addColumn('at_ms', 'bigint', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('server_id', 'text')
        .addColumn('session_id', 'text')
        .addColumn('data', 'text', (c) => c.notNull())
        .execute();
      for (const table of ['servers', 'sessions']) {
        await db.schema.alterTable(table).addColumn('owner', 'text').execute();
        await db.schema.alterTable(table).addColumn('lease_until', 'bigint').execute();
      }
      // The original's femquest.db rows registered by heartbeat carry droplet_id 0: no droplet.
      // An earlier import made them provider rows with provider id "0"; they are external servers.
      await sql`UPDATE servers SET origin = 'external', provider_id = NULL
        WHERE provider_id IN ('0', '') AND origin <> 'external'`.execute(db);
      // Addresses are compared in one spelling from now on (IPv6 compressed lower-case,
      // IPv4-mapped as IPv4): rows written before that are rewritten once.
      await canonicalizeStoredAddresses(db);
    },
    async down(db: AnyDb) {
      for (const table of ['servers', 'sessions']) {
        await db.schema.alterTable(table).dropColumn('lease_until').execute();
        await db.schema.alterTable(table).dropColumn('owner').execute();
      }
      await db.schema.dropTable('events').execute();
    },
  };
}
