import { Migrator, type Kysely } from 'kysely';
import type { Database, DialectKind } from './db-schema.js';
import { staticMigrationProvider } from './migrations/index.js';

/**
 * Brings the schema to the latest migration (rows older than regions go to `defaultRegion`). Returns the names applied now (empty when
 * already current). Kysely's migrator takes a lock first (an advisory lock on PostgreSQL),
 * so replicas starting together migrate once.
 */
export async function runMigrations(
  db: Kysely<Database>,
  kind: DialectKind,
  defaultRegion?: string,
): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: staticMigrationProvider(kind, defaultRegion),
    // Kysely looks for its bookkeeping tables in every schema unless told which one; name
    // ours (the first on search_path), or another schema's kysely_migration would be taken
    // for this database's.
    // Numbers are handed to branches in parallel (0011 regions, 0012 seats): a database that ran
    // a later one first still takes an earlier one that lands after it. Each is independent.
    allowUnorderedMigrations: true,
    ...(kind === 'postgres' ? { migrationTableSchema: await currentSchema(db) } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    const message = error instanceof Error ? error.message : String(error);
    const what = failed ? `Database migration ${failed} failed` : 'Could not migrate the database';
    throw new Error(`${what}: ${message}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

async function currentSchema(db: Kysely<Database>): Promise<string> {
  const row = await db.selectNoFrom((eb) => eb.fn<string | null>('current_schema', []).as('schema')).executeTakeFirst();
  const schema = row?.schema;
  if (!schema) throw new Error('PostgreSQL has no current schema: no schema on search_path exists');
  return schema;
}
