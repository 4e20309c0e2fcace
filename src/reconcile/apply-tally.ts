import type { Provider } from '../providers/provider.js';
import type { ServerOps } from '../fleet/server-ops.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { Log } from '../util/log.js';
import { forEachSliced, TimeSlice } from '../util/time-slice.js';
import type { PlanCounts, ReconcileSettings } from './types.js';

/** What applying a plan needs. */
export interface ApplyDeps {
  store: Store;
  provider: Provider;
  ops: ServerOps;
  clock: Clock;
  log: Log;
  settings: ReconcileSettings;
  /** A region's cap in force this pass (REGION_MAX_SERVERS, run-time lowered), re-checked at create; absent: the global cap only. */
  regionCap?: (region: string) => number;
  /** Regions whose provider refuses creates now (REGION_REFUSAL_COOLDOWN_S): nothing is made there. */
  refusingRegions?: (nowMs: number) => Promise<ReadonlySet<string>>;
}

export type ActionKind = keyof PlanCounts;

/** How applying went: a result object, never a throw half way (Kysely's batch style). */
export interface ApplyReport {
  /** Actions that took effect, by kind. */
  done: Partial<Record<ActionKind, number>>;
  /** Actions found already done or no longer due (a lost race, a re-check): not errors. */
  skipped: number;
  /** Actions that threw; the next pass tries again. */
  failed: number;
  /** The first few failure messages (no secrets: provider and store errors only). */
  errors: string[];
}

const MAX_ERRORS_KEPT = 10;

/** Provider calls of one kind in flight at once (creates and deletes are capped per pass already). */
export const MAX_IN_FLIGHT = 16;

/** Counts outcomes; one failing action never stops the others. */
export class ApplyTally {
  readonly report: ApplyReport = { done: {}, skipped: 0, failed: 0, errors: [] };
  /** Lets requests through between actions: store calls alone never yield to the event loop. */
  private readonly slice = new TimeSlice();
  constructor(private readonly log: Log) {}

  /** Runs one action: true = done, false = skipped, a throw = failed (logged). */
  async run(kind: ActionKind, ids: object, fn: () => Promise<boolean>): Promise<void> {
    try {
      if (await fn()) this.add(kind, 1);
      else this.report.skipped++;
    } catch (err) {
      this.fail(kind, ids, err);
    }
  }

  add(kind: ActionKind, n: number): void {
    if (n > 0) this.report.done[kind] = (this.report.done[kind] ?? 0) + n;
  }

  fail(kind: ActionKind, ids: object, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.report.failed++;
    if (this.report.errors.length < MAX_ERRORS_KEPT) this.report.errors.push(`${kind}: ${message}`);
    this.log.warn({ ...ids, action: kind, err: message }, 'reconcile action failed; the next pass retries');
  }

  /** Runs actions one after another (store steps: SQLite serialises them anyway). */
  async each<T>(
    kind: ActionKind,
    items: readonly T[],
    ids: (t: T) => object,
    fn: (t: T) => Promise<boolean>,
  ): Promise<void> {
    for (const item of items) {
      await this.run(kind, ids(item), () => fn(item));
      await this.slice.yieldIfDue();
    }
  }

  /** Runs actions concurrently, up to MAX_IN_FLIGHT at once (provider calls, already capped per pass). */
  async all<T>(
    kind: ActionKind,
    items: readonly T[],
    ids: (t: T) => object,
    fn: (t: T) => Promise<boolean>,
  ): Promise<void> {
    await forEachSliced(items, MAX_IN_FLIGHT, (item) => this.run(kind, ids(item), () => fn(item)), this.slice);
  }
}
