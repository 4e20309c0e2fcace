import { expect, it } from 'vitest';
import { forEachSliced, TimeSlice } from '../../../src/util/time-slice.js';

/** A slice that is always used up. */
class AlwaysDue extends TimeSlice {
  override due(): boolean {
    return true;
  }
}

it('concurrent callers of a used-up slice share one turn of the event loop', async () => {
  const slice = new AlwaysDue();
  const a = slice.yieldIfDue();
  const b = slice.yieldIfDue();
  expect(a).toBe(b);
  await a;
  // After the turn, a new one.
  expect(slice.yieldIfDue()).not.toBe(a);
});

it('a fresh slice does not yield', async () => {
  const slice = new TimeSlice(1_000_000);
  let turned = false;
  setImmediate(() => (turned = true));
  await slice.yieldIfDue();
  expect(turned).toBe(false);
});

it('forEachSliced() runs every item once, at most `concurrency` at a time, with turns of the loop between', async () => {
  let inFlight = 0;
  let most = 0;
  const seen: number[] = [];
  // Counted by setImmediate, not a timer: a 0 ms interval fires after 1 ms at the earliest,
  // and 25 turns of the loop can all pass within one millisecond (the test then saw 0).
  let turns = 0;
  let done = false;
  const tick = () => {
    turns++;
    if (!done) setImmediate(tick);
  };
  setImmediate(tick);
  try {
    await forEachSliced(
      Array.from({ length: 100 }, (_, i) => i),
      4,
      async (i) => {
        inFlight++;
        most = Math.max(most, inFlight);
        await Promise.resolve();
        seen.push(i);
        inFlight--;
      },
      new AlwaysDue(),
    );
  } finally {
    done = true;
  }
  expect(seen.sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  expect(most).toBe(4);
  // 100 items, 4 at a time, a turn after each round of them: the loop turned at least 25 times.
  expect(turns).toBeGreaterThanOrEqual(25);
});
