import { describe, expect, it } from 'vitest';
import { RateBudget } from '../../../src/providers/digitalocean/rate-budget.js';
import { FakeClock } from '../../../src/util/clock.js';

const headers = (h: Record<string, number>): Headers =>
  new Headers(Object.fromEntries(Object.entries(h).map(([k, v]) => [k, String(v)])));

describe('RateBudget with a refilling budget (Hetzner: 3600 an hour, one a second)', () => {
  it('RateLimit-Remaining at 0 waits for one refill, not until RateLimit-Reset (when the budget is full)', () => {
    const clock = new FakeClock();
    const budget = new RateBudget({ clock, perHour: 3600, perMinute: 3600, refillPerS: 1 });
    const resetS = Math.ceil(clock.now() / 1000) + 3600;
    budget.observe(200, headers({ 'ratelimit-limit': 3600, 'ratelimit-remaining': 0, 'ratelimit-reset': resetS }));
    expect(budget.waitMs('delete')).toBe(1000);
    // Reads leave 5% (180) for deletes: they wait for 181 refills.
    expect(budget.waitMs('read')).toBe(181_000);
    clock.advance(1000);
    expect(budget.waitMs('delete')).toBe(0);
  });

  it('a 429 without retry-after blocks for one refill', () => {
    const clock = new FakeClock();
    const budget = new RateBudget({ clock, perHour: 3600, perMinute: 3600, refillPerS: 1 });
    const resetS = Math.ceil(clock.now() / 1000) + 3600;
    budget.observe(429, headers({ 'ratelimit-limit': 3600, 'ratelimit-remaining': 0, 'ratelimit-reset': resetS }));
    expect(budget.waitMs('delete')).toBe(1000);
  });

  it('without refillPerS (DigitalOcean) the same headers wait until the reset, as before', () => {
    const clock = new FakeClock();
    const budget = new RateBudget({ clock, perHour: 5000, perMinute: 250 });
    const resetS = Math.ceil(clock.now() / 1000) + 3600;
    budget.observe(200, headers({ 'ratelimit-limit': 5000, 'ratelimit-remaining': 0, 'ratelimit-reset': resetS }));
    expect(budget.waitMs('delete')).toBe(resetS * 1000 - clock.now());
  });
});
