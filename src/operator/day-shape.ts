/**
 * The fleet's last day by the hour and by region, for the dashboard's chart: an operator should
 * see a day's shape (an evening peak in one region, a quiet night in another) at a glance.
 * Pure: from the rows the cost report already reads (live servers and deleted ones kept as
 * history, live sessions and ended ones within the retention).
 */

export const HOUR_MS = 3_600_000;

export interface ShapeServer {
  region: string;
  createdAtMs: number;
  /** When it was deleted; null while it lives. */
  endedAtMs: number | null;
  /** What it costs an hour (0 for a local process or a server we do not pay for). */
  hourlyUsd: number;
}

export interface ShapeSession {
  region: string;
  createdAtMs: number;
}

export interface RegionHours {
  region: string;
  /** Sessions started in each hour. */
  sessionsStarted: number[];
  /** Most machines alive at once in each hour (for the running hour: so far). */
  servers: number[];
  /** Spend in each hour at the machines' hourly prices (the 60 s minimum charge left out). */
  usd: number[];
}

export interface DayShape {
  /** Start of each hour, oldest first; the last one is the hour now running. */
  hourStartMs: number[];
  /** One entry per region that had a server or a session in the window, by name. */
  regions: RegionHours[];
}

/** `hours` hourly buckets ending with the current (partial) hour, split by region. */
export function dayShape(
  servers: readonly ShapeServer[],
  sessions: readonly ShapeSession[],
  nowMs: number,
  hours = 24,
): DayShape {
  const lastStart = Math.floor(nowMs / HOUR_MS) * HOUR_MS;
  const first = lastStart - (hours - 1) * HOUR_MS;
  const hourStartMs = Array.from({ length: hours }, (_, i) => first + i * HOUR_MS);
  const byRegion = new Map<string, RegionHours>();
  const of = (region: string): RegionHours => {
    let r = byRegion.get(region);
    if (!r) {
      r = { region, sessionsStarted: zeros(hours), servers: zeros(hours), usd: zeros(hours) };
      byRegion.set(region, r);
    }
    return r;
  };
  /** Per region: +1 at each machine's creation, -1 at its end, for the peak sweep below. */
  const changes = new Map<string, { atMs: number; delta: number }[]>();
  for (const s of servers) {
    const end = Math.min(s.endedAtMs ?? nowMs, nowMs);
    if (end <= first || s.createdAtMs >= nowMs) continue;
    const r = of(s.region);
    for (let i = Math.max(0, bucket(s.createdAtMs, first)); i < hours; i++) {
      const from = hourStartMs[i]!;
      if (from >= end) break;
      const overlap = Math.max(0, Math.min(end, from + HOUR_MS) - Math.max(s.createdAtMs, from));
      r.usd[i]! += (s.hourlyUsd * overlap) / HOUR_MS;
    }
    const list = changes.get(s.region) ?? [];
    list.push({ atMs: s.createdAtMs, delta: 1 });
    if (s.endedAtMs !== null && s.endedAtMs < nowMs) list.push({ atMs: s.endedAtMs, delta: -1 });
    changes.set(s.region, list);
  }
  for (const [region, list] of changes) peaks(of(region).servers, list, first);
  for (const x of sessions) {
    const i = bucket(x.createdAtMs, first);
    if (i >= 0 && i < hours && x.createdAtMs <= nowMs) of(x.region).sessionsStarted[i]!++;
  }
  const regions = [...byRegion.values()].sort((a, b) => a.region.localeCompare(b.region));
  for (const r of regions) {
    r.usd = r.usd.map((v) => Math.round(v * 10_000) / 10_000);
  }
  return { hourStartMs, regions };
}

/**
 * Most machines alive at once per hour: a sweep over creations and ends in time order (an end
 * before a creation at the same instant, so a replacement is not counted twice).
 */
function peaks(out: number[], list: { atMs: number; delta: number }[], first: number): void {
  list.sort((a, b) => a.atMs - b.atMs || a.delta - b.delta);
  let alive = 0;
  let i = 0;
  // Those created before the window and still alive at its start.
  for (; i < list.length && list[i]!.atMs < first; i++) alive += list[i]!.delta;
  for (let h = 0; h < out.length; h++) {
    const end = first + (h + 1) * HOUR_MS;
    let peak = alive;
    for (; i < list.length && list[i]!.atMs < end; i++) {
      alive += list[i]!.delta;
      peak = Math.max(peak, alive);
    }
    out[h] = peak;
  }
}

function bucket(t: number, first: number): number {
  return Math.floor((t - first) / HOUR_MS);
}

function zeros(n: number): number[] {
  return new Array<number>(n).fill(0);
}
