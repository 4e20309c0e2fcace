import type { Kysely, Transaction } from 'kysely';
import type { Database } from './db-schema.js';
import { letEventLoopRun } from '../util/time-slice.js';

interface Job<S> {
  fn: (tx: S) => Promise<unknown>;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

/** Most jobs one commit carries; bounds how long a batch holds the connection. */
const MAX_BATCH = 64;

/** Thrown inside a batch when one job failed: the batch rolls back and its jobs run alone. */
class BatchMateFailed extends Error {}

/**
 * Group commit for SQLite: transactions that arrive while one is running share the next
 * BEGIN … COMMIT, and every caller is answered only after the COMMIT that carries its work —
 * nothing is acknowledged before it is durable, but a burst pays for one commit, not one each.
 *
 * Optimistic: jobs run back to back without savepoints (they rarely throw). When one throws,
 * the whole batch rolls back and each of its jobs runs again in a transaction of its own, so
 * a failure still undoes only its own writes. A transaction body may therefore run twice: it
 * must keep to the store (the port already forbids provider calls and waits inside).
 *
 * The single better-sqlite3 connection ran transactions one at a time; they still do, in order.
 */
export class GroupCommit<S> {
  private queue: Job<S>[] = [];
  private running = false;
  /** Transactions committed (or attempted) so far; with `jobs`, how well commits are shared. */
  commits = 0;
  jobs = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly bind: (trx: Transaction<Database>) => S,
  ) {}

  run<T>(fn: (tx: S) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve, reject });
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
    if (batch.length === 1) return this.commitAlone(batch[0]!);
    const values: unknown[] = [];
    this.commits++;
    try {
      await this.db.transaction().execute(async (trx) => {
        for (const job of batch) {
          try {
            // A store of its own per job: what a job records (its events) stays its own.
            values.push(await job.fn(this.bind(trx)));
          } catch {
            throw new BatchMateFailed();
          }
        }
      });
    } catch (err) {
      if (!(err instanceof BatchMateFailed)) {
        // The COMMIT itself failed (disk full, I/O error): nothing in the batch happened.
        for (const job of batch) job.reject(err);
        return;
      }
      for (const job of batch) await this.commitAlone(job);
      return;
    }
    batch.forEach((job, i) => job.resolve(values[i]));
  }

  private async commitAlone(job: Job<S>): Promise<void> {
    this.commits++;
    try {
      job.resolve(await this.db.transaction().execute((trx) => job.fn(this.bind(trx))));
    } catch (err) {
      job.reject(err);
    }
  }
}
