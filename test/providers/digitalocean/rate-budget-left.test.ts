import { describe, expect, it } from 'vitest';
import { RateBudget } from '../../../src/providers/digitalocean/rate-budget.js';
import { FakeClock } from '../../../src/util/clock.js';

describe('RateBudget.left (what the forecasting pool may spend)', () => {
  it('counts down within the sliding minute and hour, and recovers as requests age out', async () => {
    const clock = new FakeClock();
    const budget = new RateBudget({ clock, perMinute: 10, perHour: 100 });
    expect(budget.left()).toEqual({ minute: 10, hour: 100 });
    for (let i = 0; i < 4; i++) await budget.acquire('create');
    expect(budget.left()).toEqual({ minute: 6, hour: 96 });
    clock.advance(61_000);
    expect(budget.left()).toEqual({ minute: 10, hour: 96 });
    clock.advance(3600_000);
    expect(budget.left()).toEqual({ minute: 10, hour: 100 });
  });

  it('believes the server when it says less is left, and says nothing is left after a 429', () => {
    const clock = new FakeClock();
    const budget = new RateBudget({ clock, perMinute: 250, perHour: 5000 });
    const resetS = Math.ceil((clock.now() + 1800_000) / 1000);
    budget.observe(
      200,
      new Headers({ 'ratelimit-limit': '5000', 'ratelimit-remaining': '120', 'ratelimit-reset': String(resetS) }),
    );
    expect(budget.left().hour).toBe(120);
    budget.observe(429, new Headers({ 'retry-after': '30' }));
    expect(budget.left()).toEqual({ minute: 0, hour: 0 });
    clock.advance(31_000);
    expect(budget.left().minute).toBe(250);
  });
});
