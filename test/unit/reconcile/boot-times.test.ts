import { describe, expect, it } from 'vitest';
import type { Server } from '../../../src/domain/server.js';
import { BootTimes } from '../../../src/reconcile/boot-times.js';
import { ROWS_PER_STEP } from '../../../src/reconcile/steps.js';
import { NOW, S, server } from './fixtures.js';

/** Rows booting at the first look and up (ready, booted in 30 s) at the second. */
function looks(n: number): { before: Server[]; after: Server[] } {
  const before: Server[] = [];
  const after: Server[] = [];
  for (let i = 0; i < n; i++) {
    const id = `b${String(i).padStart(5, '0')}`;
    before.push(server(id, { state: 'creating', createdAtMs: NOW - 60 * S, readyAtMs: null }));
    after.push(server(id, { state: 'ready', createdAtMs: NOW - 60 * S, readyAtMs: NOW - 30 * S }));
  }
  return { before, after };
}

describe('BootTimes', () => {
  it('measures a boot from a row seen booting, then up', () => {
    const b = new BootTimes();
    const { before, after } = looks(3);
    b.observe(before, NOW - 40 * S);
    b.observe(after, NOW);
    expect(b.recent(NOW, 600)).toEqual([30, 30, 30]);
  });

  it('observeSteps() over 10,000 rows yields every ROWS_PER_STEP rows (the pass lets requests run) and measures the same', () => {
    const stepped = new BootTimes(20_000);
    const whole = new BootTimes(20_000);
    const { before, after } = looks(10_000);
    let yields = 0;
    for (const look of [before, after]) {
      for (const _ of stepped.observeSteps(look, look === before ? NOW - 40 * S : NOW)) yields++;
      whole.observe(look, look === before ? NOW - 40 * S : NOW);
    }
    expect(yields).toBeGreaterThanOrEqual((2 * 10_000) / ROWS_PER_STEP);
    expect(stepped.recent(NOW, 600)).toEqual(whole.recent(NOW, 600));
    expect(stepped.recent(NOW, 600)).toHaveLength(10_000);
  });
});
