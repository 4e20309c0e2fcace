import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './db-schema.js';

interface Job<S> {
  fn: (tx: S) => Promise<unknown>;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

/** Most jobs one commit carries; bounds how long a batch holds the connection. */
const MAX_BATCH = 64;

/**
 * Group commit for SQLite: transactions that arrive while one is running share the next
 * BEGIN … COMMIT, each inside its own SAVEPOINT, so one that throws rolls back alone. Every
 * caller is answered only after the COMMIT that carries its work: nothing is acknowledged
 * before it is durable, but a burst pays for one commit instead of one each. The single
 * better-sqlite3 connection already ran transactions one at a time; they still do, in order.
 */
export class GroupCommit<S> {
  private queue: Job<S>[] = [];
  private running = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly bind: (trx: Transaction<Database>) => S,
  ) {}

  run<T>(fn: (tx: S) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) await this.commitBatch(this.queue.splice(0, MAX_BATCH));
    } finally {
      this.running = false;
    }
  }

  private async commitBatch(batch: Job<S>[]): Promise<void> {
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
      await this.db.transaction().execute(async (trx) => {
        const tx = this.bind(trx);
        for (const job of batch) outcomes.push(await this.runIsolated(trx, tx, job));
      });
    } catch (err) {
      // The COMMIT itself failed (disk full, I/O error): nothing in the batch happened.
      for (const job of batch) job.reject(err);
      return;
    }
    batch.forEach((job, i) => (outcomes[i]!.ok ? job.resolve(outcomes[i]!.value) : job.reject(outcomes[i]!.value)));
  }

  private async runIsolated(trx: Transaction<Database>, tx: S, job: Job<S>): Promise<{ ok: boolean; value: unknown }> {
    await sql`SAVEPOINT job`.execute(trx);
    try {
      const value = await job.fn(tx);
      await sql`RELEASE job`.execute(trx);
      return { ok: true, value };
    } catch (err) {
      await sql`ROLLBACK TO job`.execute(trx);
      await sql`RELEASE job`.execute(trx);
      return { ok: false, value: err };
    }
  }
}
