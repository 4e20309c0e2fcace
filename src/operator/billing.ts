/**
 * DigitalOcean's Droplet billing rule, as of January 1, 2026: per second, with a minimum
 * charge of 60 seconds or $0.01, whichever is higher (before 2026: hourly, one hour minimum),
 * and no more than the monthly price (672 hours) in a calendar month.
 * Source: DigitalOcean's answer on its community Q&A, pointing at the DigitalOcean changelog:
 * https://www.digitalocean.com/community/questions/if-a-droplet-is-created-for-just-15-minutes-does-digitalocean-bill-for-an-entire-hour
 * The monthly cap is not applied here: a game server that lives 28 days is a leak, not a bill
 * to estimate.
 */
export const BILLING_RULE = 'per second; minimum 60 s or $0.01, whichever is higher (DigitalOcean, since 2026-01-01)';

const MIN_SECONDS = 60;
const MIN_USD = 0.01;

/** What a machine that lived `seconds` costs at `hourlyUsd` (0 for a free provider). */
export function machineCostUsd(hourlyUsd: number, seconds: number): number {
  if (hourlyUsd <= 0) return 0;
  const billedS = Math.max(MIN_SECONDS, Math.max(0, seconds));
  return Math.max(MIN_USD, (hourlyUsd * billedS) / 3600);
}

/** Start of the UTC day holding t (epoch ms). */
export function utcDayStart(t: number): number {
  return Math.floor(t / 86_400_000) * 86_400_000;
}

/**
 * One machine's cost split over UTC days: each day gets its seconds at the hourly price;
 * what the minimum charge adds goes to the day the machine started.
 */
export function costByDay(hourlyUsd: number, startMs: number, endMs: number): Map<number, number> {
  const out = new Map<number, number>();
  if (hourlyUsd <= 0) return out;
  const total = machineCostUsd(hourlyUsd, (endMs - startMs) / 1000);
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
