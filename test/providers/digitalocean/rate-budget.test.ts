import { describe, expect, it } from 'vitest';
import { RateBudget, type RequestPriority } from '../../../src/providers/digitalocean/rate-budget.js';
import { FakeClock } from '../../../src/util/clock.js';

const flush = () => new Promise<void>((r) => setImmediate(r));

function headers(h: Record<string, string | number>): Headers {
  return new Headers(Object.fromEntries(Object.entries(h).map(([k, v]) => [k, String(v)])));
}

async function fill(budget: RateBudget, n: number, priority: RequestPriority = 'delete'): Promise<void> {
  for (let i = 0; i < n; i++) await budget.acquire(priority);
}

describe('RateBudget', () => {
  it('lets the burst through at once, then waits until the oldest request leaves the minute', async () => {
    const clock = new FakeClock();
    const budget = new RateBudget({ clock, perMinute: 10, perHour: 5000 });
    await fill(budget, 5);
    clock.advance(20_000);
    await fill(budget, 5);
    expect(budget.waitMs('delete')).toBe(40_000);
    clock.advance(40_000);
    expect(budget.waitMs('delete')).toBe(0);
  });

  it('serves waiters delete > create > read, FIFO within a priority', async () => {
    const clock = new FakeClock();
    const budget = new RateBudget({ clock, perMinute: 10, perHour: 5000 });
    await fill(budget, 10);
    const order: string[] = [];
    const track = (label: string, p: RequestPriority) => budget.acquire(p).then(() => order.push(label));
    const all = [
      track('read1', 'read'),
      track('create1', 'create'),
      track('read2', 'read'),
      track('delete1', 'delete'),
    ];
    const late = track('delete2', 'delete');
    await flush();
    expect(order).toEqual([]);
    expect(budget.queued).toBe(5);
    for (let i = 0; i < 5; i++) {
      clock.advance(60_000 / 5);
      await flush();
    }
    await Promise.all([...all, late]);
    expect(order).toEqual(['delete1', 'delete2', 'create1', 'read1', 'read2']);
  });

  it('keeps a reserve: reads stop first, creates next, deletes may spend the last request', async () => {
    const clock = new FakeClock();
    const budget = new RateBudget({ clock, perMinute: 100, perHour: 5000 });
    await fill(budget, 95, 'read');
    expect(budget.waitMs('read')).toBeGreaterThan(0);
    expect(budget.waitMs('create')).toBe(0);
    await fill(budget, 3, 'create');
    expect(budget.waitMs('create')).toBeGreaterThan(0);
    expect(budget.waitMs('delete')).toBe(0);
    await fill(budget, 2, 'delete');
    expect(budget.waitMs('delete')).toBe(60_000);
  });

  it('stays inside the hourly window before any header arrives', async () => {
    const clock = new FakeClock();
    const budget = new RateBudget({ clock, perMinute: 250, perHour: 20 });
    for (let i = 0; i < 20; i++) {
      await budget.acquire('delete');
      clock.advance(60_000);
    }
    // The first grant was 20 minutes ago; it leaves the hour in 40 minutes.
    expect(budget.waitMs('delete')).toBe(40 * 60_000);
  });

  it('honours retry-after on a 429, for every priority, and ignores its remaining: 0', async () => {
    const clock = new FakeClock();
    const budget = new RateBudget({ clock });
    const resetS = Math.ceil(clock.now() / 1000) + 3000;
    budget.observe(429, headers({ 'retry-after': 2, 'ratelimit-remaining': 0, 'ratelimit-reset': resetS }));
    expect(budget.waitMs('delete')).toBe(2000);
    expect(budget.waitMs('read')).toBe(2000);
    let done = false;
    const p = budget.acquire('read').then(() => (done = true));
    clock.advance(1999);
    await flush();
    expect(done).toBe(false);
    clock.advance(1);
    await p;
    expect(done).toBe(true);
  });

  it('waits for ratelimit-reset when the headers say the budget is spent', async () => {
    const clock = new FakeClock(1_700_000_000_000);
    const budget = new RateBudget({ clock });
    const resetS = 1_700_000_000 + 30;
    budget.observe(200, headers({ 'ratelimit-limit': 5000, 'ratelimit-remaining': 200, 'ratelimit-reset': resetS }));
    // 200 left of 5000: under the reads' 5% reserve, above the creates' 2%.
    expect(budget.waitMs('read')).toBe(30_000);
    expect(budget.waitMs('create')).toBe(0);
    budget.observe(200, headers({ 'RateLimit-Remaining': 0, 'RateLimit-Reset': resetS }));
    expect(budget.waitMs('delete')).toBe(30_000);
    clock.advance(30_000);
    expect(budget.waitMs('read')).toBe(0);
  });

  it('counts its own requests against the last header', async () => {
    const clock = new FakeClock(1_700_000_000_000);
    const budget = new RateBudget({ clock });
    budget.observe(
      200,
      headers({ 'ratelimit-limit': 5000, 'ratelimit-remaining': 2, 'ratelimit-reset': 1_700_000_010 }),
    );
    expect(budget.waitMs('delete')).toBe(0);
    await fill(budget, 2);
    expect(budget.waitMs('delete')).toBe(10_000);
  });

  it('blocks until ratelimit-reset on a 429 without retry-after', () => {
    const clock = new FakeClock(1_700_000_000_000);
    const budget = new RateBudget({ clock });
    budget.observe(429, headers({ 'ratelimit-remaining': 0, 'ratelimit-reset': 1_700_000_005 }));
    expect(budget.waitMs('delete')).toBe(5000);
  });

  it('close() rejects queued waiters', async () => {
    const clock = new FakeClock();
    const budget = new RateBudget({ clock, perMinute: 1 });
    await budget.acquire('read');
    const waiting = budget.acquire('read');
    budget.close();
    await expect(waiting).rejects.toThrow(/closed/);
    await expect(budget.acquire('delete')).rejects.toThrow(/closed/);
  });
});
