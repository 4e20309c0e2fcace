import { ServerState, type Server } from '../domain/server.js';
import type { Session } from '../domain/session.js';
import type { Provider, SizePrices } from '../providers/provider.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import { billingRuleOf } from '../providers/registry.js';
import { costByDay, machineCostUsd, utcDayStart } from './billing.js';
import { dayShape, type DayShape } from './day-shape.js';

export interface ServerCost {
  id: string;
  state: string;
  origin: string;
  ip: string | null;
  startedAtMs: number;
  endedAtMs: number | null;
  /** The size its machine was asked for; null: not recorded (priced at the configured size). */
  size: string | null;
  hours: number;
  usd: number;
}

export interface CostReport {
  currency: 'USD';
  /** The running provider's billing rule; each server is priced by its own provider's (billingRuleOf). */
  billing: string;
  /** The size new machines get and its hourly price (0 for a free provider). */
  size: string | null;
  hourlyUsd: number;
  /** In a fleet across clouds, each cloud's hourly price by origin (absent: one cloud, hourlyUsd). */
  hourlyByOrigin?: Readonly<Record<string, number>>;
  todayUsd: number;
  /** Over the servers still on record (history is kept as deleted rows). */
  totalUsd: number;
  /** UTC days, newest first, the last `days` of them. */
  days: { date: string; usd: number }[];
  /** Live servers and those that ended in the report's window, newest first. */
  servers: ServerCost[];
  /** Live sessions and those ended in the window: their server's cost while they held it. */
  sessions: { id: string; code: string; state: string; serverId: string | null; hours: number; usd: number }[];
  /** The last 24 hours by the hour and by region: sessions started, servers alive, spend. */
  last24h: DayShape;
}

export interface CostSettings {
  /** Days shown in `days` (and the window for ended servers and sessions listed). */
  days: number;
  /** A report is reused this long (scrapes and dashboards ask often). */
  cacheMs: number;
  /** Longest a report waits for the provider's price list. */
  priceWaitMs: number;
}

/**
 * What the fleet costs, from the provider's hourly prices (DigitalOcean's `/v2/sizes`,
 * cached by the provider; zero for local processes and for external servers we do not pay
 * for) and each server's billed lifetime: from its row's creation (the machine is asked for
 * right after, so this errs a few seconds high) to its deletion, or now while it lives.
 * Each machine is priced at the size its row records (migration 0018), else at the configured
 * size (rows from before, and sizes the price list no longer has).
 */
export class CostReporter {
  private cached: { atMs: number; report: Promise<CostReport> } | null = null;
  /** The prices the last report used: what priceOf() answers from. */
  private lastPrices: Prices | null = null;

  constructor(
    private readonly d: {
      store: Store;
      provider: Provider;
      clock: Clock;
    },
    private readonly s: CostSettings,
  ) {}

  /** A server's hourly price by the last report's prices (0 before the first). */
  priceOf(s: Pick<Server, 'origin' | 'size'>): number {
    return this.lastPrices ? serverPrice(this.lastPrices, this.d.provider.name, s) : 0;
  }

  report(): Promise<CostReport> {
    const now = this.d.clock.now();
    if (!this.cached || now - this.cached.atMs >= this.s.cacheMs) {
      const report = this.compute(now);
      this.cached = { atMs: now, report };
      report.catch(() => (this.cached = null));
    }
    return this.cached.report;
  }

  /**
   * The configured size's price. A provider that is slow to answer (its client retries for
   * minutes when the API is down) holds a report at most priceWaitMs: the report fails as
   * "prices unavailable" and the fetch goes on, filling the provider's cache for next time.
   */
  private async hourly(): Promise<Prices> {
    if (!this.d.provider.prices) return { size: null, hourlyUsd: 0, sizes: {} };
    this.pricesInFlight ??= this.d.provider.prices().finally(() => (this.pricesInFlight = null));
    const stop = new AbortController();
    const timeout = this.d.clock.sleep(this.s.priceWaitMs, stop.signal).then(() => {
      throw new Error('prices unavailable: the provider did not answer in time');
    });
    try {
      const p = await Promise.race([this.pricesInFlight, timeout]);
      const hourlyUsd = p.hourlyUsd[p.currentSize] ?? 0;
      return {
        size: p.currentSize,
        hourlyUsd,
        sizes: p.hourlyUsd,
        ...(p.hourlyByOrigin ? { hourlyByOrigin: p.hourlyByOrigin } : {}),
        ...(p.sizesByOrigin ? { sizesByOrigin: p.sizesByOrigin } : {}),
      };
    } finally {
      stop.abort();
      timeout.catch(() => {});
    }
  }
  private pricesInFlight: Promise<SizePrices> | null = null;

  private async compute(now: number): Promise<CostReport> {
    const prices = await this.hourly();
    this.lastPrices = prices;
    const { size, hourlyUsd } = prices;
    const priceOf = (s: Server) => serverPrice(prices, this.d.provider.name, s);
    const servers = await this.d.store.listServers();
    const windowStart = utcDayStart(now) - (this.s.days - 1) * 86_400_000;
    const byDay = new Map<number, number>();
    let totalUsd = 0;
    const listed: ServerCost[] = [];
    const endOf = (s: Server) => (s.state === ServerState.Deleted ? s.stateChangedAtMs : null);
    for (const s of servers) {
      const end = endOf(s) ?? now;
      const price = priceOf(s);
      const rule = billingRuleOf(s.origin);
      const usd = machineCostUsd(rule, price, (end - s.createdAtMs) / 1000);
      totalUsd += usd;
      for (const [day, v] of costByDay(rule, price, s.createdAtMs, end)) byDay.set(day, (byDay.get(day) ?? 0) + v);
      if (endOf(s) === null || end >= windowStart) {
        listed.push({
          id: s.id,
          state: s.state,
          origin: s.origin,
          ip: s.ip,
          startedAtMs: s.createdAtMs,
          endedAtMs: endOf(s),
          size: s.size ?? null,
          hours: (end - s.createdAtMs) / 3_600_000,
          usd,
        });
      }
    }
    listed.sort((a, b) => b.startedAtMs - a.startedAtMs);
    const days: CostReport['days'] = [];
    for (let i = 0; i < this.s.days; i++) {
      const day = utcDayStart(now) - i * 86_400_000;
      days.push({ date: new Date(day).toISOString().slice(0, 10), usd: round(byDay.get(day) ?? 0) });
    }
    const byServer = new Map(servers.map((s) => [s.id, s]));
    const allSessions = await this.d.store.listSessions(['pending', 'active', 'ended']);
    const sessions = allSessions
      .filter((x) => x.state !== 'ended' || (x.endedAtMs ?? 0) >= windowStart)
      .map((x) => sessionCost(x, byServer.get(x.serverId ?? ''), priceOf, now));
    const last24h = dayShape(
      servers.map((s) => ({
        region: s.region,
        createdAtMs: s.createdAtMs,
        endedAtMs: endOf(s),
        hourlyUsd: priceOf(s),
      })),
      allSessions.map((x) => ({ region: x.region, createdAtMs: x.createdAtMs })),
      now,
    );
    return {
      currency: 'USD',
      billing: billingRuleOf(this.d.provider.name).text,
      size,
      hourlyUsd,
      ...(prices.hourlyByOrigin ? { hourlyByOrigin: prices.hourlyByOrigin } : {}),
      todayUsd: round(byDay.get(utcDayStart(now)) ?? 0),
      totalUsd: round(totalUsd),
      days,
      servers: listed.map((c) => ({ ...c, usd: round(c.usd), hours: Math.round(c.hours * 1000) / 1000 })),
      sessions,
      last24h,
    };
  }
}

/** A session costs its server's price for the time it held it (no minimum: the server pays that). */
function sessionCost(
  x: Session,
  server: Server | undefined,
  priceOf: (s: Server) => number,
  now: number,
): CostReport['sessions'][number] {
  const from = x.activatedAtMs ?? x.createdAtMs;
  const to = x.endedAtMs ?? now;
  const hours = Math.max(0, to - from) / 3_600_000;
  const usd = server && x.activatedAtMs !== null ? hours * priceOf(server) : 0;
  return {
    id: x.id,
    code: x.code,
    state: x.state,
    serverId: x.serverId,
    hours: Math.round(hours * 1000) / 1000,
    usd: round(usd),
  };
}

/** To a hundredth of a cent: enough for a dashboard, stable in tests. */
function round(usd: number): number {
  return Math.round(usd * 10_000) / 10_000;
}

/** The hourly price of a row of `origin`: its cloud's in a fleet, else the provider's own (other origins: 0). */
export function originPrice(
  r: Pick<CostReport, 'hourlyUsd' | 'hourlyByOrigin'>,
  providerName: string,
  origin: string,
): number {
  if (r.hourlyByOrigin) return r.hourlyByOrigin[origin] ?? 0;
  return origin === providerName ? r.hourlyUsd : 0;
}

/** What a report prices with: the configured size's price, and every size's (by cloud in a fleet). */
type Prices = Pick<CostReport, 'size' | 'hourlyUsd' | 'hourlyByOrigin'> & {
  /** The provider's hourly prices by size. */
  sizes: Readonly<Record<string, number>>;
  /** A fleet across clouds: each cloud's, by origin. */
  sizesByOrigin?: Readonly<Record<string, Readonly<Record<string, number>>>>;
};

/**
 * A row's hourly price: its recorded size's in its own cloud's price list when the list has it,
 * else its cloud's configured size's (originPrice): rows older than sizes, or a size withdrawn.
 */
export function serverPrice(p: Prices, providerName: string, s: Pick<Server, 'origin' | 'size'>): number {
  const sizes = p.sizesByOrigin ? p.sizesByOrigin[s.origin] : s.origin === providerName ? p.sizes : undefined;
  const own = s.size ? sizes?.[s.size] : undefined;
  return own ?? originPrice(p, providerName, s.origin);
}
