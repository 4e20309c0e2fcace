import type { Reader } from '../config-reader.js';

/** The PostgreSQL connection pool of one replica, and the reconciler lock's own connection. */
export interface PgPoolConfig {
  max: number;
  /** Server-side statement_timeout of pool connections; 0: none. */
  statementTimeoutMs: number;
  /** A pool connection is closed (and replaced) after this long; 0: never. */
  connectionLifetimeS: number;
  /** Connecting and each check on the reconciler lock's connection give up after this long. */
  leaderTimeoutMs: number;
  /** Client side: opening a pool connection gives up after this long; 0: never. */
  connectTimeoutMs: number;
  /** Client side: a query with no answer after this long fails and its connection is dropped; 0: never. */
  queryTimeoutMs: number;
  /** The hot statements run as named prepared statements (pg-prepared.ts); off behind a pooler that cannot keep them. */
  preparedStatements: boolean;
}

/** Reads the PG_* pool and lock settings (used when DATABASE_URL is set). */
export function readPgPoolConfig(r: Reader): PgPoolConfig {
  return {
    max: r.int('PG_POOL_MAX', 10, 1, 1000),
    statementTimeoutMs: r.int('PG_STATEMENT_TIMEOUT_MS', 30_000, 0, 3_600_000),
    connectionLifetimeS: r.int('PG_CONNECTION_LIFETIME_S', 0, 0, 86_400),
    leaderTimeoutMs: r.int('PG_LEADER_TIMEOUT_MS', 5000, 100, 600_000),
    connectTimeoutMs: r.int('PG_CONNECT_TIMEOUT_MS', 5000, 0, 600_000),
    queryTimeoutMs: r.int('PG_QUERY_TIMEOUT_MS', 5000, 0, 3_600_000),
    preparedStatements: r.bool('PG_PREPARED_STATEMENTS', true),
  };
}
