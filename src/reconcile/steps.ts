import type { TimeSlice } from '../util/time-slice.js';

/**
 * Planning work as generators: each `yield` marks a point where the reconcile loop may let
 * the event loop run (computePlanYielding), while computePlan runs the same steps straight
 * through (runToEnd), so the planner stays one pure function for tests and tools.
 */
export type Steps<T> = Generator<void, T, void>;

/** Rows a planning loop handles between two yield points (about a millisecond). */
export const ROWS_PER_STEP = 1000;

/** Runs the steps without pausing; returns their result. */
export function runToEnd<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** Runs the steps, letting the event loop run at a yield point whenever `slice` has used its time. */
export async function runYielding<T>(steps: Steps<T>, slice: TimeSlice): Promise<T> {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    await slice.yieldIfDue();
  }
}
