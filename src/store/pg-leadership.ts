import pg from 'pg';
import type { Clock } from '../util/clock.js';
import type { Leadership, LeadershipLog, LeadershipStatus } from './leadership.js';
import { LEADER_LOCK_CLASS } from './pg-lock-keys.js';

/*
 * The PostgreSQL lead (see leadership.ts): a session-level advisory lock held on a connection
 * of its own (never a pool connection: the pool hands connections around and would carry or
 * drop the lock with them). The key is per schema (replicas sharing a schema share a fleet),
 * so test schemas or several installations in one database never contend.
 */

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
