import {
  PostgresAdapter,
  PostgresDialect,
  type DialectAdapter,
  sql,
  type DatabaseIntrospector,
  type DatabaseMetadata,
  type Kysely,
  type SchemaMetadata,
  type TableMetadata,
} from 'kysely';
import { MIGRATION_LOCK_CLASS, schemaKey } from './pg-lock-keys.js';

/**
 * PostgresDialect whose introspector sees only the current schema (the first on
 * search_path), which is all Kysely's Migrator asks it about, and whose migration lock is the
 * schema's (Kysely's own is one key for the whole database: schemas migrating at once waited
 * on each other).
 *
 * Kysely's own introspector reads every column of every table in every schema, calling
 * privilege functions per schema. That is slow in a shared database, and fails outright
 * ("schema … does not exist") when another client drops a schema during the scan, as
 * parallel test files do. These catalog queries name one schema and call no functions on
 * the others.
 */
export class SchemaScopedPostgresDialect extends PostgresDialect {
  override createAdapter(): DialectAdapter {
    return new SchemaLockedAdapter();
  }

  // Kysely's Dialect interface types this parameter as Kysely<any>.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new CurrentSchemaIntrospector(db as Kysely<Catalog>);
  }
}

/** Kysely's PostgreSQL adapter with the migration lock keyed by schema (pg-lock-keys.ts). */
class SchemaLockedAdapter extends PostgresAdapter {
  // Kysely's DialectAdapter interface types this parameter as Kysely<any>.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override async acquireMigrationLock(db: Kysely<any>): Promise<void> {
    // As Kysely's own: wait at most an hour (lock_timeout, for this transaction) for the lock.
    await db
      .with('t', (w) =>
        w.selectNoFrom((eb) =>
          eb.fn<string>('set_config', [sql.lit('lock_timeout'), sql.lit('3600000'), sql.lit(true)]).as('v'),
        ),
      )
      .selectFrom('t')
      .select((eb) => eb.fn<void>('pg_advisory_lock', [sql.lit(MIGRATION_LOCK_CLASS), schemaKey(eb)]).as('locked'))
      .execute();
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override async releaseMigrationLock(db: Kysely<any>): Promise<void> {
    await db
      .selectNoFrom((eb) =>
        eb.fn<boolean>('pg_advisory_unlock', [sql.lit(MIGRATION_LOCK_CLASS), schemaKey(eb)]).as('unlocked'),
      )
      .execute();
  }
}

/** The columns of PostgreSQL's catalog this introspector reads. */
interface Catalog {
  'pg_catalog.pg_namespace': { oid: number; nspname: string };
  'pg_catalog.pg_class': { relname: string; relnamespace: number; relkind: string };
}

/** Table names only (no columns): enough to find the migration tables. */
class CurrentSchemaIntrospector implements DatabaseIntrospector {
  constructor(private readonly db: Kysely<Catalog>) {}

  async getSchemas(): Promise<SchemaMetadata[]> {
    const rows = await this.db
      .selectFrom('pg_catalog.pg_namespace')
      .select('nspname as name')
      .where('nspname', '=', (eb) => eb.fn<string>('current_schema', []))
      .execute();
    return rows.map((r) => ({ name: r.name }));
  }

  async getTables(): Promise<TableMetadata[]> {
    const rows = await this.db
      .selectFrom('pg_catalog.pg_class as c')
      .innerJoin('pg_catalog.pg_namespace as n', 'n.oid', 'c.relnamespace')
      .select(['c.relname as name', 'n.nspname as schema', 'c.relkind as kind'])
      .where('n.nspname', '=', (eb) => eb.fn<string>('current_schema', []))
      .where('c.relkind', 'in', [sql.lit('r'), sql.lit('p'), sql.lit('v')])
      .orderBy('c.relname')
      .execute();
    return rows.map((r) => ({ name: r.name, schema: r.schema, isView: r.kind === 'v', columns: [] }));
  }

  async getMetadata(): Promise<DatabaseMetadata> {
    return { tables: await this.getTables() };
  }
}
