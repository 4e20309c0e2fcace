import { sql, type ExpressionBuilder } from 'kysely';

/*
 * Every PostgreSQL advisory lock the service takes, in one place. Each is the two-int form
 * (class, hashtext(current_schema())): replicas sharing a schema share a fleet and contend; test
 * schemas, or several installations in one database, never do. The classes are ASCII tags.
 */

/** 'GORC': the reconciler's lead (pg-leadership.ts), session-level on a connection of its own. */
export const LEADER_LOCK_CLASS = 0x474f5243;
/** 'GOCA': capacity decisions (kysely-tx.ts), for the transaction. */
export const CAPACITY_LOCK_CLASS = 0x474f4341;
/**
 * 'GOHL': one holder's starts (kysely-tx.ts), for the transaction. The second key hashes the
 * schema and the holder together; two holders whose hashes collide only wait for each other.
 */
export const HOLDER_LOCK_CLASS = 0x474f484c;
/**
 * 'GOQJ': one game mode's quick joins (kysely-tx.ts), for the transaction, so only one at a
 * time decides that no public session of the mode has room and starts one.
 */
export const MODE_LOCK_CLASS = 0x474f514a;
/** 'GOMG': running the migrations (pg-schema-dialect.ts), session-level while they run. */
export const MIGRATION_LOCK_CLASS = 0x474f4d47;

/**
 * The second half of a key, in the typed builder: `hashtext(current_schema()` plus, given
 * `and`, `|| ' ' || and`), the schema the connection works in.
 */
export function schemaKey<DB, TB extends keyof DB>(eb: ExpressionBuilder<DB, TB>, and?: string) {
  const schema = eb.fn<string>('current_schema', []);
  return eb.fn<number>('hashtext', [and === undefined ? schema : eb(eb(schema, '||', sql.lit(' ')), '||', and)]);
}
