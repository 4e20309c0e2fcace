import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectKind } from '../db-schema.js';

// Migrations see the database as it was then, not as db-schema.ts says it is now.
type AnyDb = Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Issue 22 (speed): a warm start's claim changes servers.state, which indexes name, so
 * PostgreSQL cannot update the row in place (HOT): the claimed row's new version gets an entry
 * in EVERY index of servers whose predicate it meets, and the new session one in every index of
 * sessions; each entry is a B-tree descent, page writes and WAL. The two state indexes held
 * every row, whatever its state, though nothing looks rows up by them in the state a start
 * writes: a claim reads READY servers (allocated ones are found by id, address or the live
 * listing's index), and active sessions are found by id, code, server or the live listing's
 * index (counts of them read that index too). On PostgreSQL they now leave those states out,
 * so a start writes two index entries fewer (bench/pg-statements.ts, one replica, 4,000 starts,
 * interleaved: see docs/scaling.md). Every query by state still finds an index: PostgreSQL
 * proves `state = 'creating'` (or IN a list of such) implies the predicate. SQLite proves no
 * such thing (it needs the predicate repeated in the query), so it keeps the full indexes.
 */
const SERVERS_OUT = `state NOT IN ('allocated', 'deleted')`;
const SESSIONS_OUT = `state <> 'active'`;

/** Both state indexes again, each holding only the rows of its predicate (null: every row). */
async function rebuild(db: AnyDb, servers: string | null, sessions: string | null): Promise<void> {
  const specs = [
    ['servers_state_ready_at_idx', 'servers', ['state', 'ready_at', 'id'], servers],
    ['sessions_state_created_at_idx', 'sessions', ['state', 'created_at', 'id'], sessions],
  ] as const;
  for (const [name, table, columns, where] of specs) {
    await db.schema.dropIndex(name).execute();
    const index = db.schema
      .createIndex(name)
      .on(table)
      .columns([...columns]);
    await (where ? index.where(sql.raw<boolean>(where)) : index).execute();
  }
}

export function startIndexEntriesMigration(kind: DialectKind): Migration {
  return {
    async up(db: AnyDb) {
      if (kind === 'postgres') await rebuild(db, SERVERS_OUT, SESSIONS_OUT);
    },
    async down(db: AnyDb) {
      if (kind === 'postgres') await rebuild(db, null, null);
    },
  };
}
