import { describe, expect, it } from 'vitest';
import { billedSeconds, DIGITALOCEAN_BILLING, HETZNER_BILLING, paidUntilMs } from '../../src/domain/billing-rule.js';
import { costByDay, machineCostUsd } from '../../src/operator/billing.js';

describe('DigitalOcean billing (per second, minimum 60 s or $0.01)', () => {
  it.each([
    { name: 'a free provider costs nothing', hourly: 0, seconds: 5000, usd: 0 },
    { name: '10 s of a $0.00744/h droplet is the $0.01 minimum', hourly: 0.00744, seconds: 10, usd: 0.01 },
    { name: '30 s of a $3.39/h droplet is billed as 60 s', hourly: 3.39, seconds: 30, usd: 0.0565 },
    { name: 'an hour is the hourly price', hourly: 3.39, seconds: 3600, usd: 3.39 },
    { name: 'an hour and a half is billed by the second, not two hours', hourly: 1, seconds: 5400, usd: 1.5 },
  ])('$name', ({ hourly, seconds, usd }) => {
    expect(machineCostUsd(DIGITALOCEAN_BILLING, hourly, seconds)).toBeCloseTo(usd, 10);
  });

  it('splits a machine over UTC days, the minimum on its first day, summing to its cost', () => {
    const midnight = Date.UTC(2026, 10, 30);
    const days = costByDay(DIGITALOCEAN_BILLING, 2, midnight - 1800_000, midnight + 5400_000);
    expect([...days.keys()]).toEqual([midnight - 86_400_000, midnight]);
    expect(days.get(midnight - 86_400_000)).toBeCloseTo(1, 10);
    expect(days.get(midnight)).toBeCloseTo(3, 10);
    const short = costByDay(DIGITALOCEAN_BILLING, 0.00744, midnight, midnight + 5000);
    expect([...short.values()].reduce((a, b) => a + b, 0)).toBeCloseTo(0.01, 10);
  });
});

describe('Hetzner Cloud billing (hourly, a started hour billed in full)', () => {
  it.each([
    { name: 'a minute is a whole hour', hourly: 0.0112, seconds: 60, usd: 0.0112 },
    { name: 'an hour is one hour', hourly: 0.0112, seconds: 3600, usd: 0.0112 },
    { name: 'an hour and a second is two hours', hourly: 1, seconds: 3601, usd: 2 },
    { name: 'an hour and a half is two hours, not 1.5', hourly: 1, seconds: 5400, usd: 2 },
  ])('$name', ({ hourly, seconds, usd }) => {
    expect(machineCostUsd(HETZNER_BILLING, hourly, seconds)).toBeCloseTo(usd, 10);
  });

  it('a machine is paid until its next started hour; per-second billing pays nothing ahead past its minimum', () => {
    const t0 = Date.UTC(2026, 11, 7, 10, 0, 0);
    expect(paidUntilMs(HETZNER_BILLING, t0, t0 + 5 * 60_000)).toBe(t0 + 3600_000);
    expect(paidUntilMs(HETZNER_BILLING, t0, t0 + 61 * 60_000)).toBe(t0 + 7200_000);
    expect(paidUntilMs(DIGITALOCEAN_BILLING, t0, t0 + 10_000)).toBe(t0 + 60_000);
    expect(paidUntilMs(DIGITALOCEAN_BILLING, t0, t0 + 300_000)).toBe(t0 + 300_000);
    expect(billedSeconds(HETZNER_BILLING, 0)).toBe(3600);
  });

  it("splits over UTC days with the started hour's rest on the first day", () => {
    const midnight = Date.UTC(2026, 10, 30);
    const days = costByDay(HETZNER_BILLING, 1, midnight - 1800_000, midnight + 600_000);
    expect(days.get(midnight - 86_400_000)).toBeCloseTo(0.5 + (1 - 40 / 60), 10);
    expect(days.get(midnight)).toBeCloseTo(10 / 60, 10);
  });
});
