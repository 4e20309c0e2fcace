import { describe, expect, it } from 'vitest';
import { dayShape, HOUR_MS } from '../../../src/operator/day-shape.js';

// 2026-12-07 15:30 UTC: the current hour is half over.
const NOW = Date.UTC(2026, 11, 7, 15, 30);
const H15 = Date.UTC(2026, 11, 7, 15);

describe('dayShape: the last 24 hours by hour and region', () => {
  it('has 24 hourly buckets ending with the hour now running', () => {
    const d = dayShape([], [], NOW);
    expect(d.hourStartMs).toHaveLength(24);
    expect(d.hourStartMs.at(-1)).toBe(H15);
    expect(d.hourStartMs[0]).toBe(H15 - 23 * HOUR_MS);
    expect(d.regions).toEqual([]);
  });

  it('splits machine time and spend over the hours a server spans, per region', () => {
    const d = dayShape(
      [
        // nyc3: 13:30 → 14:30, $0.10/h: half of hour 13 and half of hour 14.
        { region: 'nyc3', createdAtMs: H15 - 90 * 60_000, endedAtMs: H15 - 30 * 60_000, hourlyUsd: 0.1 },
        // ams3: alive since 14:00, still running: all of hour 14, and all of the 30 min so far of hour 15.
        { region: 'ams3', createdAtMs: H15 - HOUR_MS, endedAtMs: null, hourlyUsd: 0.2 },
        // Deleted before the window: not shown.
        { region: 'sgp1', createdAtMs: H15 - 40 * HOUR_MS, endedAtMs: H15 - 30 * HOUR_MS, hourlyUsd: 1 },
      ],
      [],
      NOW,
    );
    expect(d.regions.map((r) => r.region)).toEqual(['ams3', 'nyc3']);
    const [ams3, nyc3] = d.regions;
    expect(nyc3!.servers.slice(-3)).toEqual([1, 1, 0]);
    expect(nyc3!.usd.slice(-3)).toEqual([0.05, 0.05, 0]);
    expect(ams3!.servers.slice(-3)).toEqual([0, 1, 1]);
    expect(ams3!.usd.slice(-3)).toEqual([0, 0.2, 0.1]);
    expect(nyc3!.servers.slice(0, 21).every((v) => v === 0)).toBe(true);
  });

  it('servers: the most alive at once in the hour, not the sum of all that passed through it', () => {
    const m = 60_000;
    const d = dayShape(
      [
        // Two back to back (one replaces the other at 14:30) and one overlapping both: at most 2 at once.
        { region: 'fra1', createdAtMs: H15 - 60 * m, endedAtMs: H15 - 30 * m, hourlyUsd: 0 },
        { region: 'fra1', createdAtMs: H15 - 30 * m, endedAtMs: H15 - 5 * m, hourlyUsd: 0 },
        { region: 'fra1', createdAtMs: H15 - 40 * m, endedAtMs: H15 - 35 * m, hourlyUsd: 0 },
        // Made 30 hours ago and still alive: counted in every hour of the window.
        { region: 'sgp1', createdAtMs: H15 - 30 * HOUR_MS, endedAtMs: null, hourlyUsd: 0 },
      ],
      [],
      NOW,
    );
    const fra1 = d.regions.find((r) => r.region === 'fra1')!;
    expect(fra1.servers.slice(-3)).toEqual([0, 2, 0]);
    const sgp1 = d.regions.find((r) => r.region === 'sgp1')!;
    expect(sgp1.servers.every((v) => v === 1)).toBe(true);
  });

  it('counts sessions started per hour in their region, only within the window', () => {
    const d = dayShape(
      [],
      [
        { region: 'nyc3', createdAtMs: H15 + 60_000 },
        { region: 'nyc3', createdAtMs: H15 + 120_000 },
        { region: 'nyc3', createdAtMs: H15 - 10 * 60_000 },
        { region: 'fra1', createdAtMs: H15 - 23 * HOUR_MS },
        { region: 'fra1', createdAtMs: H15 - 25 * HOUR_MS },
      ],
      NOW,
    );
    const nyc3 = d.regions.find((r) => r.region === 'nyc3')!;
    expect(nyc3.sessionsStarted.slice(-2)).toEqual([1, 2]);
    const fra1 = d.regions.find((r) => r.region === 'fra1')!;
    expect(fra1.sessionsStarted[0]).toBe(1);
    expect(fra1.sessionsStarted.reduce((a, b) => a + b, 0)).toBe(1);
  });
});
