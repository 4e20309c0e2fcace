import {
  CompiledQuery,
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type Compilable,
  type Dialect,
} from 'kysely';
import type { Database, DialectKind } from './db-schema.js';
import { isStalePlan, prepareByName } from './pg-prepared.js';

/** A Kysely that only compiles (it has no connection): one per dialect, to build statements with. */
function compiler(kind: DialectKind): Kysely<Database> {
  const dialect: Dialect =
    kind === 'sqlite'
      ? {
          createAdapter: () => new SqliteAdapter(),
          createDriver: () => new DummyDriver(),
          createIntrospector: (db) => new SqliteIntrospector(db),
          createQueryCompiler: () => new SqliteQueryCompiler(),
        }
      : {
          createAdapter: () => new PostgresAdapter(),
          createDriver: () => new DummyDriver(),
          createIntrospector: (db) => new PostgresIntrospector(db),
          createQueryCompiler: () => new PostgresQueryCompiler(),
        };
  return new Kysely<Database>({ dialect });
}
const COMPILERS: Record<DialectKind, Kysely<Database>> = { sqlite: compiler('sqlite'), postgres: compiler('postgres') };

/** Every hot statement made so far (tests check each). */
const BUILT: HotStatement<never, unknown>[] = [];
export const hotStatements = (): readonly HotStatement<never, unknown>[] => BUILT;

/** Stands for the call's i-th parameter while a statement is built (see HotStatement). */
class Param {
  constructor(readonly index: number) {}
}

/** The call's i-th parameter, of its type in the call's parameter tuple P. */
export type ParamOf<P extends readonly unknown[]> = <I extends number>(index: I) => P[I];

/**
 * A statement every hot request runs, built with Kysely's typed query builder (against
 * db-schema.ts: a renamed column fails tsc) once per dialect, compiled once, and then run with
 * fresh parameters: no query tree built, walked and compiled per call, which for the statements
 * every heartbeat and start runs was more work and garbage than the statement itself. The
 * build gets `p(i)`, the call's i-th parameter; any other value must be a literal (`sql.lit`):
 * SQLite matches a partial index's predicate only against literals, and a bound constant here
 * throws when the statement is built. PostgreSQL's `$n` placeholders are Kysely's own.
 */
export class HotStatement<P extends readonly unknown[], R> {
  private readonly sql: Record<DialectKind, string>;
  /** Per dialect: the call's parameter index of each placeholder, or null when that is 0, 1, 2, … */
  private readonly order: Record<DialectKind, number[] | null>;

  constructor(
    /** What it does, for tests and errors. */
    readonly name: string,
    /** Builds the statement on `db` (the tests compile it again on the real dialects and compare). */
    readonly build: (db: Kysely<Database>, p: ParamOf<P>, kind: DialectKind) => Compilable<R>,
    /**
     * Runs as a named prepared statement on PostgreSQL (pg-prepared.ts). Not for a statement
     * built for one call: each connection would keep every such text prepared until it closes.
     */
    prepared = true,
  ) {
    const sqlTexts = {} as Record<DialectKind, string>;
    const orders = {} as Record<DialectKind, number[] | null>;
    for (const kind of ['sqlite', 'postgres'] as const) {
      const compiled = build(COMPILERS[kind], (i) => new Param(i), kind).compile();
      const order = compiled.parameters.map((v, j) => {
        if (v instanceof Param) return v.index;
        throw new Error(`hot statement ${name} binds a constant (placeholder ${j + 1}): make it sql.lit(…)`);
      });
      sqlTexts[kind] = compiled.sql;
      orders[kind] = order.every((i, j) => i === j) ? null : order;
    }
    this.sql = sqlTexts;
    this.order = orders;
    if (prepared) prepareByName(sqlTexts.postgres);
    BUILT.push(this);
  }

  /** The SQL text run on `kind` (tests compare it with the builder's output). */
  text(kind: DialectKind): string {
    return this.sql[kind];
  }

  /** `params` in the call's order; handed to the driver as it is when the SQL takes them in that order. */
  async rows(db: Kysely<Database>, kind: DialectKind, params: P): Promise<R[]> {
    const order = this.order[kind];
    const values: readonly unknown[] = order ? order.map((i) => params[i]) : params;
    const query = CompiledQuery.raw(this.sql[kind], values as unknown[]);
    try {
      return (await db.executeQuery<R>(query)).rows;
    } catch (err) {
      // Outside a transaction the failed call wrote nothing: run it again, prepared anew (pg-prepared.ts).
      if (!isStalePlan(err) || db.isTransaction) throw err;
      return (await db.executeQuery<R>(query)).rows;
    }
  }
}
