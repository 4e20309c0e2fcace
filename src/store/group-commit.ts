import type { Kysely } from 'kysely';
import type { Database } from './db-schema.js';
import { BEGIN_IMMEDIATE, COMMIT, ROLLBACK } from './raw-sql.js';
import type { JobSavepoints } from './sqlite-statement-cache.js';
import { Rollback } from './store.js';
import { letEventLoopRun } from '../util/time-slice.js';

interface Job<S> {
  fn: (tx: S) => Promise<unknown>;
  /** See RunOptions.atomic. */
  atomic: boolean;
  /** See RunOptions.refusesBeforeWriting. */
  refusesBeforeWriting: boolean;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

/** How one job of a batch ended; answered only once the batch's COMMIT is done. */
type Outcome = { ok: true; value: unknown } | { ok: false; err: unknown };

/** Most jobs one commit carries; bounds how long a batch holds the connection. */
const MAX_BATCH = 64;

/** How a job may run. */
export interface RunOptions {
  /**
   * The job only reads, or runs ONE statement that writes and returns what it answered (never
   * a Rollback): SQLite undoes a failed statement by itself, so the job needs no savepoint.
   */
  atomic?: boolean;
  /**
   * The job may refuse (a Rollback) or fail only before its first write; after it, its other
   * statements cannot refuse (a seat's row, then its count and its event). It needs no savepoint:
   * a refusal has nothing to undo. Should it fail after writing all the same (an I/O error, a
   * bug), nothing can undo it alone, so the whole batch is rolled back and every job that ran
   * in it fails, as when the COMMIT fails; the jobs not yet run go to the next batch.
   */
  refusesBeforeWriting?: boolean;
}

/** The batch's transaction itself failed (its COMMIT, or an error SQLite rolls everything back for). */
class BatchLost extends Error {
  constructor(override readonly cause: unknown) {
    super('group commit lost its transaction');
  }
}

/**
 * Group commit for SQLite: transactions that arrive while one is running share the next
 * BEGIN … COMMIT, and every caller is answered only after the COMMIT that carries its work —
 * nothing is acknowledged before it is durable, but a burst pays for one commit, not one each.
 *
 * Every body runs exactly once, and one that throws or returns a Rollback is undone alone: the
 * rest of the batch goes on and commits with one COMMIT. A job's savepoint is taken lazily, just
 * before its first statement that may write (JobSavepoints): a job that refuses or fails before
 * writing has nothing to undo and pays for none, nor does an atomic job (RunOptions). Only a
 * failure of the transaction itself (the COMMIT, or an I/O error after which SQLite rolls the
 * whole transaction back, seen after every job) fails every job that ran in it; jobs of the
 * batch that had not run yet go back to the queue, to run once in the next batch.
 *
 * The single better-sqlite3 connection ran transactions one at a time; they still do, in order.
 */
export class GroupCommit<S> {
  private queue: Job<S>[] = [];
  private running = false;
  /** Transactions begun so far; with `jobs`, how well commits are shared. */
  commits = 0;
  jobs = 0;

  constructor(
    private readonly db: Kysely<Database>,
    /** The handle a body gets, over the connection holding the transaction. */
    private readonly bind: (conn: Kysely<Database>) => S,
    private readonly savepoints: JobSavepoints,
  ) {}

  /** Per-job savepoints taken so far (a job that never wrote took none). */
  get savepointsTaken(): number {
    return this.savepoints.taken;
  }

  run<T>(fn: (tx: S) => Promise<T>, opts: RunOptions = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        fn,
        atomic: opts.atomic === true,
        refusesBeforeWriting: opts.refusesBeforeWriting === true,
        resolve,
        reject,
      });
      this.jobs++;
      if (!this.running) {
        // Not now: after the rest of this turn of the event loop. better-sqlite3 is synchronous,
        // so a drain started at once ran its whole BEGIN … COMMIT in microtasks before the next
        // socket's data was even read: every request committed alone (batches of one). Started
        // from the check phase, it carries every transaction that the requests read in this
        // poll phase began (dozens under load), at a cost of at most one loop turn of latency.
        this.running = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  /** Resolves once every transaction queued so far has been answered (for a clean close). */
  async settled(): Promise<void> {
    while (this.running) await letEventLoopRun();
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) await this.commitBatch(this.queue.splice(0, MAX_BATCH));
    } finally {
      this.running = false;
    }
  }

  private async commitBatch(batch: Job<S>[]): Promise<void> {
    this.commits++;
    const outcomes: Outcome[] = [];
    try {
      await this.db.connection().execute(async (conn) => {
        await conn.executeQuery(BEGIN_IMMEDIATE);
        try {
          const keep = await this.runJobs(conn, batch, outcomes);
          await conn.executeQuery(keep ? COMMIT : ROLLBACK);
        } catch (err) {
          await conn.executeQuery(ROLLBACK).catch(() => undefined);
          throw err instanceof BatchLost ? err : new BatchLost(err);
        }
      });
    } catch (err) {
      // Nothing of the batch happened: every job that ran hears why; the rest run in the next batch.
      const cause = err instanceof BatchLost ? err.cause : err;
      outcomes.forEach((o, i) => batch[i]!.reject(o.ok ? cause : o.err));
      this.queue.unshift(...batch.slice(outcomes.length));
      return;
    }
    outcomes.forEach((o, i) => (o.ok ? batch[i]!.resolve(o.value) : batch[i]!.reject(o.err)));
  }

  /**
   * Each job undone alone when it fails or refuses: by its savepoint, if it wrote. A batch of one
   * needs none: its failure is the whole transaction's (false: roll it back). Stops when SQLite
   * ended the transaction itself.
   */
  private async runJobs(conn: Kysely<Database>, batch: Job<S>[], outcomes: Outcome[]): Promise<boolean> {
    const alone = batch.length === 1;
    const sp = this.savepoints;
    for (const job of batch) {
      const guard = !alone && !job.atomic;
      // A job that refuses only before writing is watched, not saved: did it write?
      if (guard) sp.arm(!job.refusesBeforeWriting);
      let outcome: Outcome;
      try {
        outcome = { ok: true, value: await job.fn(this.bind(conn)) };
      } catch (err) {
        outcome = { ok: false, err };
      }
      const saved = guard && sp.disarm();
      outcomes.push(outcome);
      const undo = !outcome.ok || outcome.value instanceof Rollback;
      if (alone) return !undo;
      if (!sp.inTransaction())
        throw new BatchLost(outcome.ok ? new Error('SQLite ended the transaction') : outcome.err);
      if (!saved) continue; // it wrote nothing, or its one statement was undone by SQLite
      if (job.refusesBeforeWriting) {
        // Written and then refused or failed: only the whole transaction can undo it.
        if (undo) throw new BatchLost(outcome.ok ? new Error('a job refused after writing') : outcome.err);
        continue;
      }
      try {
        if (undo) sp.rollBack();
        else sp.release();
      } catch (err) {
        throw new BatchLost(err);
      }
    }
    return true;
  }
}
