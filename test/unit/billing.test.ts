import { describe, expect, it } from 'vitest';
import { costByDay, machineCostUsd } from '../../src/operator/billing.js';

describe('DigitalOcean billing (per second, minimum 60 s or $0.01)', () => {
  it.each([
    { name: 'a free provider costs nothing', hourly: 0, seconds: 5000, usd: 0 },
    { name: '10 s of a $0.00744/h droplet is the $0.01 minimum', hourly: 0.00744, seconds: 10, usd: 0.01 },
    { name: '30 s of a $3.39/h droplet is billed as 60 s', hourly: 3.39, seconds: 30, usd: 0.0565 },
    { name: 'an hour is the hourly price', hourly: 3.39, seconds: 3600, usd: 3.39 },
    { name: 'an hour and a half is billed by the second, not two hours', hourly: 1, seconds: 5400, usd: 1.5 },
  ])('$name', ({ hourly, seconds, usd }) => {
    expect(machineCostUsd(hourly, seconds)).toBeCloseTo(usd, 10);
  });

  it('splits a machine over UTC days, the minimum on its first day, summing to its cost', () => {
    const midnight = Date.UTC(2026, 10, 30);
    const days = costByDay(2, midnight - 1800_000, midnight + 5400_000);
    expect([...days.keys()]).toEqual([midnight - 86_400_000, midnight]);
    expect(days.get(midnight - 86_400_000)).toBeCloseTo(1, 10);
    expect(days.get(midnight)).toBeCloseTo(3, 10);
    const short = costByDay(0.00744, midnight, midnight + 5000);
    expect([...short.values()].reduce((a, b) => a + b, 0)).toBeCloseTo(0.01, 10);
  });
});
