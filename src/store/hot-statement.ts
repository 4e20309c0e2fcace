import { CompiledQuery, type Kysely } from 'kysely';
import type { Database, DialectKind } from './db-schema.js';

/**
 * A fixed SQL text run with fresh parameters, without Kysely building and compiling a query
 * tree on every call: for the statements every heartbeat runs, that tree (frozen nodes walked by
 * the compiler) was more work and garbage than the statement itself. Written once with `?`
 * placeholders (SQLite's); PostgreSQL's `$1…$n` are derived from it. The text must hold no `?`
 * other than placeholders. Runs on whatever `db` is: the database or an open transaction.
 */
export class HotStatement {
  private readonly postgres: string;

  /** `postgresText`, also with `?` placeholders, where the dialects need different SQL. */
  constructor(
    private readonly sqlite: string,
    postgresText = sqlite,
  ) {
    let n = 0;
    this.postgres = postgresText.replace(/\?/g, () => `$${++n}`);
  }

  /** `params` is handed to the driver as it is (a fresh array per call, not copied again). */
  async rows<R>(db: Kysely<Database>, kind: DialectKind, params: unknown[]): Promise<R[]> {
    const { rows } = await db.executeQuery<R>(
      CompiledQuery.raw(kind === 'sqlite' ? this.sqlite : this.postgres, params),
    );
    return rows;
  }
}
