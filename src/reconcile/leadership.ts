import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import pg from 'pg';
import type { Clock } from '../util/clock.js';

/*
 * One reconciler at a time. Every replica serves every route, but only the leader's loop acts
 * on the fleet. On PostgreSQL the lead is a session-level advisory lock held on a connection of
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

/** First half of the two-int advisory key: 'GORC' (game-orchestrator reconciler); the second is the schema's hash. */
export const LEADER_LOCK_CLASS = 0x474f5243;
const APP_NAME_PREFIX = 'game-orchestrator reconciler ';

export interface PgLeadershipOptions {
  url: string;
  replica: string;
  clock: Clock;
  log: LeadershipLog;
  /** Connecting and each query on the lock's connection give up after this long. */
  timeoutMs: number;
}

export class PgAdvisoryLeadership implements Leadership {
  private client: pg.Client | null = null;
  private leading = false;
  private sinceMs: number | null = null;
  private closed = false;

  constructor(private readonly o: PgLeadershipOptions) {}

  async acquire(): Promise<boolean> {
    if (this.closed) return false;
    if (this.leading && this.client) {
      try {
        await this.client.query('SELECT 1');
        if (this.leading) return true;
      } catch (err) {
        this.lose('the lock connection failed its check', err);
      }
    }
    try {
      const c = await this.connection();
      const { rows } = await c.query<{ ok: boolean }>(
        'SELECT pg_try_advisory_lock($1, hashtext(current_schema())) AS ok',
        [LEADER_LOCK_CLASS],
      );
      if (rows[0]?.ok && this.client === c && !this.closed) {
        this.leading = true;
        this.sinceMs = this.o.clock.now();
        this.o.log.info({ replica: this.o.replica }, 'leading the reconciler');
      }
    } catch (err) {
      this.lose('could not reach PostgreSQL for the reconciler lock', err);
    }
    return this.leading;
  }

  holds(): boolean {
    return this.leading;
  }

  async status(): Promise<LeadershipStatus> {
    let leaderReplica: string | null = this.leading ? this.o.replica : null;
    if (!this.leading && this.client) {
      try {
        const { rows } = await this.client.query<{ name: string }>(
          `SELECT a.application_name AS name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
           WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
             AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
             AND l.classid = $1::bigint::oid AND l.objid = (hashtext(current_schema())::bigint & 4294967295)::oid`,
          [LEADER_LOCK_CLASS],
        );
        const name = rows[0]?.name ?? '';
        leaderReplica = name.startsWith(APP_NAME_PREFIX) ? name.slice(APP_NAME_PREFIX.length) : null;
      } catch {
        leaderReplica = null;
      }
    }
    return {
      mode: 'advisory-lock',
      replica: this.o.replica,
      leader: this.leading,
      leaderSinceMs: this.sinceMs,
      leaderReplica,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.client;
    this.client = null;
    this.leading = false;
    this.sinceMs = null;
    await c?.end().catch(() => undefined);
  }

  private async connection(): Promise<pg.Client> {
    if (this.client) return this.client;
    const c = new pg.Client({
      connectionString: this.o.url,
      // PostgreSQL allows 63 bytes; the name is how other replicas see who leads.
      application_name: `${APP_NAME_PREFIX}${this.o.replica}`.slice(0, 63),
      connectionTimeoutMillis: this.o.timeoutMs,
      statement_timeout: this.o.timeoutMs,
      query_timeout: this.o.timeoutMs,
      keepAlive: true,
    });
    // Either event means the session, and with it the lock, is gone or going.
    c.on('error', (err) => {
      if (this.client === c) this.lose('the lock connection failed', err);
    });
    c.on('end', () => {
      if (this.client === c) this.lose('the lock connection ended');
    });
    this.client = c;
    try {
      await c.connect();
    } catch (err) {
      if (this.client === c) this.client = null;
      throw err;
    }
    return c;
  }

  private lose(reason: string, err?: unknown): void {
    const c = this.client;
    this.client = null;
    if (this.leading)
      this.o.log.warn(
        { replica: this.o.replica, err: err instanceof Error ? err.message : undefined },
        `reconciler leadership lost: ${reason}`,
      );
    this.leading = false;
    this.sinceMs = null;
    c?.end().catch(() => undefined);
  }
}
