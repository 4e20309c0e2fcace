import type { EmulatedDroplet } from '../src/emulator/index.js';
import { billedSeconds, overlapS, quantile } from './cost-workload.js';
import { billedSeconds as ruleSeconds, type BillingRule } from '../src/domain/billing-rule.js';

/** A client's start as the simulation saw it. */
export interface StartRecord {
  requestedAtMs: number;
  answeredAtMs: number | null;
  /** Answered with a ready server from the pool ("Reusing existing droplet"). */
  reused: boolean;
  failed: string | null;
}

/** One emulated run; times in emulated seconds. */
export interface CostRunResult {
  recycle: boolean;
  dropletsCreated: number;
  /** The whole run: from the first droplet until a minute after the last game ended. */
  billedDropletS: number;
  playedSessionS: number;
  /** Billed droplet-seconds per played session-second (1.0 would be no waste at all). */
  ratio: number;
  /** Droplet-seconds spent booting (create → active): paid, never playable. */
  bootDropletS: number;
  /** Within the arrival hour only (steady traffic, no warm-up, no tail of a pool waiting for players that never come). */
  hourBilledDropletS: number;
  hourPlayedSessionS: number;
  hourRatio: number;
  starts: number;
  instant: number;
  waited: number;
  failed: number;
  /** Over every start (instant ones wait 0). */
  waitP50S: number;
  waitP99S: number;
  /** Over the starts that waited. */
  waitedP50S: number;
  waitedP99S: number;
  endErrors: string[];
  emulatedS: number;
  realMs: number;
  /** Starts asked for within the measured window, and those of them answered from the pool. */
  windowStarts: number;
  windowInstant: number;
  /** Most droplets alive at once (MAX_SERVERS must hold it). */
  maxLiveDroplets: number;
  /** Most DigitalOcean API requests in any sliding minute and hour (limits: 250 and 5,000). */
  maxApiPerMinute: number;
  maxApiPerHour: number;
  apiRequests: number;
  /** In the quiet hours: droplet-seconds billed with no game on them, and the most droplets alive. */
  quietIdleDropletS: number | null;
  /** The same less the boots (create → active) in the quiet hours: droplets held idle, not booting for a start. */
  quietHeldDropletS: number | null;
  quietMaxLive: number | null;
  /** Per region (the follow-the-sun day); absent for a run in one region. */
  regions?: RegionResult[];
  /** Starts answered with a server in another region than the one asked for (regional runs; should be 0). */
  misplaced?: number;
  /** Why starts failed, each reason once (regional runs). */
  failedReasons?: string[];
}

/** One region's share of a run. */
export interface RegionResult {
  region: string;
  starts: number;
  instant: number;
  billedDropletS: number;
  playedSessionS: number;
  ratio: number;
  /** Seconds of the region's quiet hours inside the run. */
  quietS: number;
  /** Droplet-seconds held idle in them: alive, not booting, no game on it. */
  quietHeldDropletS: number;
  /** quietHeldDropletS ÷ quietS: idle droplet-hours per quiet hour (the mean number of idle droplets held). */
  quietHeldPerHour: number;
  quietMaxLive: number;
}

/** What the per-region summary reads: droplets (with their region), starts and games tagged with theirs. */
export interface RegionRunRecord {
  regions: readonly string[];
  droplets: readonly Pick<EmulatedDroplet, 'region' | 'createdAtMs' | 'activeAtMs' | 'deletedAtMs'>[];
  starts: readonly (StartRecord & { region: string })[];
  games: readonly { region: string; fromMs: number; toMs: number }[];
  endMs: number;
  /** Each region's quiet hours, epoch ms (a window that wraps the day is two). */
  quiet: Readonly<Record<string, readonly { startMs: number; endMs: number }[]>>;
}

/** Each region's instant share, billed ÷ played over the run and idle droplets held in its quiet hours. */
export function summariseRegions(r: RegionRunRecord): RegionResult[] {
  return r.regions.map((region) => {
    const droplets = r.droplets.filter((d) => d.region === region);
    const games = r.games.filter((g) => g.region === region);
    const starts = r.starts.filter((x) => x.region === region);
    const billed = droplets.reduce((n, d) => n + billedSeconds(d.createdAtMs, d.deletedAtMs, r.endMs), 0);
    const played = games.reduce((n, g) => n + (g.toMs - g.fromMs) / 1000, 0);
    const windows = r.quiet[region] ?? [];
    const quietS = windows.reduce((n, w) => n + Math.max(0, (w.endMs - w.startMs) / 1000), 0);
    const held = windows.reduce((n, w) => n + heldIdleS(droplets, games, w.startMs, w.endMs, r.endMs), 0);
    return {
      region,
      starts: starts.length,
      instant: starts.filter((x) => x.answeredAtMs !== null && x.reused).length,
      billedDropletS: billed,
      playedSessionS: played,
      ratio: billed / Math.max(1, played),
      quietS,
      quietHeldDropletS: held,
      quietHeldPerHour: quietS > 0 ? held / quietS : 0,
      quietMaxLive: Math.max(0, ...windows.map((w) => maxAlive(droplets, w.startMs, w.endMs))),
    };
  });
}

/** Droplet-seconds in [fromMs, toMs) alive, booted and with no game on them. */
function heldIdleS(
  droplets: RegionRunRecord['droplets'],
  games: RegionRunRecord['games'],
  fromMs: number,
  toMs: number,
  endMs: number,
): number {
  let s = 0;
  for (const d of droplets) {
    s += overlapS(d.createdAtMs, d.deletedAtMs ?? endMs, fromMs, toMs);
    s -= overlapS(d.createdAtMs, d.activeAtMs ?? d.deletedAtMs ?? endMs, fromMs, toMs);
  }
  for (const g of games) s -= overlapS(g.fromMs, g.toMs, fromMs, toMs);
  return Math.max(0, s);
}

export interface RunRecord {
  recycle: boolean;
  droplets: readonly EmulatedDroplet[];
  starts: readonly StartRecord[];
  /** Each finished game's [answered, ended] times. */
  played: readonly [number, number][];
  endErrors: string[];
  endMs: number;
  t0: number;
  hour: { startMs: number; endMs: number };
  quiet: { startMs: number; endMs: number } | null;
  /** The emulator's request count after each emulated second. */
  apiTotals: readonly number[];
  realMs: number;
  /** Bill by this rule (absent: DigitalOcean's per second, at least 60 s). */
  billing?: BillingRule;
}

/** Bills the droplets and sums up the starts. */
export function summarise(r: RunRecord): CostRunResult {
  const rule = r.billing;
  // Under a billing rule, a machine is billed from its create for its billed seconds (a started
  // hour in full, past its delete); the measured hour counts what of that falls inside it.
  const billedEnd = (d: EmulatedDroplet) =>
    rule
      ? d.createdAtMs + ruleSeconds(rule, ((d.deletedAtMs ?? r.endMs) - d.createdAtMs) / 1000) * 1000
      : (d.deletedAtMs ?? r.endMs);
  const billed = r.droplets.reduce(
    (n, d) =>
      n +
      (rule
        ? ruleSeconds(rule, ((d.deletedAtMs ?? r.endMs) - d.createdAtMs) / 1000)
        : billedSeconds(d.createdAtMs, d.deletedAtMs, r.endMs)),
    0,
  );
  const played = r.played.reduce((n, [a, b]) => n + (b - a) / 1000, 0);
  const boot = r.droplets.reduce((n, d) => n + ((d.activeAtMs ?? d.deletedAtMs ?? r.endMs) - d.createdAtMs) / 1000, 0);
  const { startMs, endMs } = r.hour;
  const hourBilled = r.droplets.reduce((n, d) => n + overlapS(d.createdAtMs, billedEnd(d), startMs, endMs), 0);
  const hourPlayed = r.played.reduce((n, [a, b]) => n + overlapS(a, b, startMs, endMs), 0);
  const answered = r.starts.filter((x) => x.answeredAtMs !== null);
  const waits = answered.map((x) => (x.answeredAtMs! - x.requestedAtMs) / 1000);
  const waited = answered.filter((x) => !x.reused).map((x) => (x.answeredAtMs! - x.requestedAtMs) / 1000);
  return {
    recycle: r.recycle,
    dropletsCreated: r.droplets.length,
    billedDropletS: billed,
    playedSessionS: played,
    ratio: billed / Math.max(1, played),
    bootDropletS: boot,
    hourBilledDropletS: hourBilled,
    hourPlayedSessionS: hourPlayed,
    hourRatio: hourBilled / Math.max(1, hourPlayed),
    starts: r.starts.length,
    instant: answered.filter((x) => x.reused).length,
    waited: waited.length,
    failed: r.starts.filter((x) => x.failed).length,
    waitP50S: quantile(waits, 0.5),
    waitP99S: quantile(waits, 0.99),
    waitedP50S: quantile(waited, 0.5),
    waitedP99S: quantile(waited, 0.99),
    endErrors: r.endErrors,
    emulatedS: (r.endMs - r.t0) / 1000,
    realMs: r.realMs,
    windowStarts: r.starts.filter((x) => x.requestedAtMs >= startMs && x.requestedAtMs < endMs).length,
    windowInstant: r.starts.filter(
      (x) => x.requestedAtMs >= startMs && x.requestedAtMs < endMs && x.answeredAtMs !== null && x.reused,
    ).length,
    maxLiveDroplets: maxAlive(r.droplets, r.t0, r.endMs),
    maxApiPerMinute: maxInWindow(r.apiTotals, 60),
    maxApiPerHour: maxInWindow(r.apiTotals, 3600),
    apiRequests: r.apiTotals.at(-1) ?? 0,
    quietIdleDropletS: r.quiet
      ? r.droplets.reduce(
          (n, d) => n + overlapS(d.createdAtMs, d.deletedAtMs ?? r.endMs, r.quiet!.startMs, r.quiet!.endMs),
          0,
        ) - r.played.reduce((n, [a, b]) => n + overlapS(a, b, r.quiet!.startMs, r.quiet!.endMs), 0)
      : null,
    quietHeldDropletS: r.quiet
      ? r.droplets.reduce(
          (n, d) => n + overlapS(d.createdAtMs, d.deletedAtMs ?? r.endMs, r.quiet!.startMs, r.quiet!.endMs),
          0,
        ) -
        r.played.reduce((n, [a, b]) => n + overlapS(a, b, r.quiet!.startMs, r.quiet!.endMs), 0) -
        r.droplets.reduce(
          (n, d) =>
            n + overlapS(d.createdAtMs, d.activeAtMs ?? d.deletedAtMs ?? r.endMs, r.quiet!.startMs, r.quiet!.endMs),
          0,
        )
      : null,
    quietMaxLive: r.quiet ? maxAlive(r.droplets, r.quiet.startMs, r.quiet.endMs) : null,
  };
}

/** Most droplets alive at once within [fromMs, toMs). */
function maxAlive(
  droplets: readonly Pick<EmulatedDroplet, 'createdAtMs' | 'deletedAtMs'>[],
  fromMs: number,
  toMs: number,
): number {
  const events: [number, number][] = [];
  for (const d of droplets) {
    const a = Math.max(d.createdAtMs, fromMs);
    const b = Math.min(d.deletedAtMs ?? toMs, toMs);
    if (b <= a) continue;
    events.push([a, 1], [b, -1]);
  }
  events.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let n = 0;
  let max = 0;
  for (const [, dn] of events) max = Math.max(max, (n += dn));
  return max;
}

/** The most requests in any `spanS` consecutive seconds, from running totals per second. */
function maxInWindow(totals: readonly number[], spanS: number): number {
  let max = 0;
  for (let i = 0; i < totals.length; i++) max = Math.max(max, totals[i]! - (i >= spanS ? totals[i - spanS]! : 0));
  return max;
}
