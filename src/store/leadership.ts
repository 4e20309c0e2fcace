import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from '../util/clock.js';

/*
 * The port the reconciler depends on: one reconciler at a time. Every replica serves every
 * route, but only the leader's loop acts on the fleet. It lives in the store layer because who
 * leads is a property of the database the replicas share. On PostgreSQL (pg-leadership.ts) the lead is a session-level advisory lock held on a connection of
 * its own (never a pool connection: the pool hands connections around and would carry or drop
 * the lock with them). The lock lives exactly as long as that session, so:
 *   - before each pass the leader confirms its session is alive (one round trip); a failed
 *     check, or the connection's 'error'/'end' event at any time, ends the belief at once, and
 *     the pass checks that belief again before each group of acts;
 *   - a leader that dies (SIGKILL, crash, lost network) takes its session, hence the lock, with
 *     it, and the next follower to try (each tries once a pass, every interval) leads: a
 *     takeover within one interval of PostgreSQL noticing, two at most.
 * The key is per schema (replicas sharing a schema share a fleet), so test schemas or several
 * installations in one database never contend. With SQLite the single process leads.
 */

/** Why, where and since when this replica leads; GET /v1/status shows it. */
export interface LeadershipStatus {
  mode: 'single-process' | 'advisory-lock';
  /** This replica's name (host, pid and a random suffix). */
  replica: string;
  leader: boolean;
  /** When this replica took the lead (epoch ms), while it leads. */
  leaderSinceMs: number | null;
  /** The replica holding the lead, as PostgreSQL sees it (null: none, or unknown right now). */
  leaderReplica: string | null;
}

export interface Leadership {
  /** Before a pass: confirms the lead, or tries to take it. False: this replica must not act. */
  acquire(): Promise<boolean>;
  /** Whether this replica still leads as far as it knows (false once its connection failed). */
  holds(): boolean;
  status(): Promise<LeadershipStatus>;
  /** Gives the lead up (closes the connection); acquire() answers false afterwards. */
  close(): Promise<void>;
}

export interface LeadershipLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** A name for this process, unique enough to tell replicas apart in logs and in the status. */
export function replicaName(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** SQLite: one process, which always leads. */
export class SingleProcessLeadership implements Leadership {
  private readonly sinceMs: number;
  constructor(
    private readonly replica: string,
    clock: Clock,
  ) {
    this.sinceMs = clock.now();
  }
  async acquire(): Promise<boolean> {
    return true;
  }
  holds(): boolean {
    return true;
  }
  async status(): Promise<LeadershipStatus> {
    return {
      mode: 'single-process',
      replica: this.replica,
      leader: true,
      leaderSinceMs: this.sinceMs,
      leaderReplica: this.replica,
    };
  }
  async close(): Promise<void> {}
}
