import type { Clock } from '../util/clock.js';
import { SingleProcessLeadership, type Leadership, type LeadershipLog } from './leadership.js';
import { PgAdvisoryLeadership } from './pg-leadership.js';

export interface LeadershipOptions {
  replica: string;
  clock: Clock;
  log: LeadershipLog;
}

/** The lead for the database in use: an advisory lock on PostgreSQL, the one process on SQLite. */
export function createLeadership(
  db: { kind: 'sqlite' } | { kind: 'postgres'; url: string; pool: { leaderTimeoutMs: number } },
  o: LeadershipOptions,
): Leadership {
  // PG_LEADER_TIMEOUT_MS: connecting and each query on the lock's connection give up after this long.
  return db.kind === 'postgres'
    ? new PgAdvisoryLeadership({ url: db.url, timeoutMs: db.pool.leaderTimeoutMs, ...o })
    : new SingleProcessLeadership(o.replica, o.clock);
}
