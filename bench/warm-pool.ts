import { sql } from 'kysely';
import type { ServerRow } from '../src/store/db-schema.js';
import { migrateDatabase } from '../src/store/create-db.js';
import { openDatabase, type DatabaseOptions } from '../src/store/open-database.js';
import { ipAt } from './fixtures.js';

/** Migrates the database and writes `n` ready external servers (a warm pool), in batches. */
export async function fillWarmPool(opts: DatabaseOptions, n: number): Promise<void> {
  await migrateDatabase(opts);
  const { db } = openDatabase(opts);
  const now = Date.now();
  try {
    for (let i = 0; i < n; i += 1000) {
      const rows: ServerRow[] = [];
      for (let j = i; j < Math.min(n, i + 1000); j++) {
        rows.push({
          id: `bench-${j}`,
          state: 'ready',
          origin: 'external',
          region: 'local',
          provider_id: null,
          ip: ipAt(10, j),
          port: null,
          players: 0,
          created_at: now,
          updated_at: now,
          state_changed_at: now,
          ready_at: now + j,
          last_heartbeat_at: now,
          reason: null,
          owner: null,
          lease_until: null,
        });
      }
      await db.insertInto('servers').values(rows).execute();
    }
    // As autovacuum would within autovacuum_naptime (1 min) of a bulk load, and as pgbench's
    // own table gets: without statistics PostgreSQL plans the claim as a bitmap scan and a sort
    // of every ready row (it estimates a few dozen), so each start's cost grew with the pool
    // (30,000 ready rows: ~50 starts/s against ~420 once analyzed, by hand on 2026-12-07).
    if (opts.kind === 'postgres') await sql`ANALYZE servers`.execute(db);
  } finally {
    await db.destroy();
  }
}
