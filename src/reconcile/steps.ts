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
