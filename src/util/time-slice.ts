/**
 * Cooperative time slicing for long loops of work that never waits on I/O of its own. With
 * better-sqlite3 every store call resolves in microtasks, so a loop of hundreds of awaited
 * store calls runs as one block and holds every request that arrives meanwhile. Calling
 * yieldIfDue() after each item lets the event loop run (setImmediate) once a slice has used
 * sliceMs, so the loop costs requests at most about one slice of waiting.
 */
export class TimeSlice {
  private startedAt = performance.now();
  /** The one turn every caller waits for once the slice is used up (see yieldIfDue). */
  private turn: Promise<void> | null = null;

  constructor(private readonly sliceMs = DEFAULT_SLICE_MS) {}

  /** Whether this slice has used its time. */
  due(): boolean {
    return performance.now() - this.startedAt >= this.sliceMs;
  }

  /**
   * Lets the event loop run if the slice is used up; a new slice starts after. Concurrent
   * callers (forEachSliced's workers) share ONE setImmediate: with one each, their callbacks
   * would all run in the same check phase, back to back, each using a fresh slice, and the
   * loop would reach I/O only after all of them.
   */
  yieldIfDue(): Promise<void> {
    if (this.turn) return this.turn;
    if (!this.due()) return Promise.resolve();
    this.turn = new Promise<void>((resolve) =>
      setImmediate(() => {
        this.turn = null;
        this.startedAt = performance.now();
        resolve();
      }),
    );
    return this.turn;
  }
}

/**
 * A slice short enough that a request waiting behind it stays well under 20 ms, with room for
 * a scavenge landing in the same block (up to ~10 ms with 8 MiB semi-spaces, see package.json's
 * start script): in the bench's scale case 4 ms slices gave 12–23 ms stalls, 2 ms gave 13–17.
 */
export const DEFAULT_SLICE_MS = 2;

/**
 * Runs fn over items with at most `concurrency` in flight, letting the event loop run between
 * items once the shared slice is used up. Errors are fn's to handle (it should not throw).
 */
export async function forEachSliced<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<void>,
  slice = new TimeSlice(),
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      await fn(items[next++]!);
      await slice.yieldIfDue();
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, concurrency), items.length) }, worker));
}

/** One turn of the event loop (setImmediate): requests queued behind us run first. */
export function letEventLoopRun(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
