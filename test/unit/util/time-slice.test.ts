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
  let turns = 0;
  const ticker = setInterval(() => turns++, 0);
  try {
    await forEachSliced(Array.from({ length: 100 }, (_, i) => i), 4, async (i) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await Promise.resolve();
      seen.push(i);
      inFlight--;
    }, new AlwaysDue());
  } finally {
    clearInterval(ticker);
  }
  expect(seen.sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  expect(most).toBe(4);
  expect(turns).toBeGreaterThan(0);
});
