import { machineCostUsd, type BillingRule } from '../domain/billing-rule.js';

export { machineCostUsd } from '../domain/billing-rule.js';

/** Start of the UTC day holding t (epoch ms). */
export function utcDayStart(t: number): number {
  return Math.floor(t / 86_400_000) * 86_400_000;
}

/**
 * One machine's cost under its provider's billing rule, split over UTC days: each day gets
 * its seconds at the hourly price; what the rule adds (the minimum, the rest of a started
 * billing unit) goes to the day the machine started.
 */
export function costByDay(rule: BillingRule, hourlyUsd: number, startMs: number, endMs: number): Map<number, number> {
  const out = new Map<number, number>();
  if (hourlyUsd <= 0) return out;
  const total = machineCostUsd(rule, hourlyUsd, (endMs - startMs) / 1000);
  let plain = 0;
  for (let day = utcDayStart(startMs); day < Math.max(endMs, startMs + 1); day += 86_400_000) {
    const s = Math.max(0, Math.min(endMs, day + 86_400_000) - Math.max(startMs, day)) / 1000;
    const usd = (hourlyUsd * s) / 3600;
    out.set(day, usd);
    plain += usd;
  }
  const firstDay = utcDayStart(startMs);
  out.set(firstDay, (out.get(firstDay) ?? 0) + (total - plain));
  return out;
}
