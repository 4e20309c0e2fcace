import type { FastifyBaseLogger } from 'fastify';

/** The setting whose cap refused a connection. */
export type CapName = 'MAX_CONNECTIONS' | 'MAX_CONNECTIONS_PER_ADDRESS';

interface Tally {
  refused: number;
  limit: number;
  lastAddress: string | undefined;
  loggedAtMs: number | null;
  timer: NodeJS.Timeout | null;
}

export interface CapLogDeps {
  log: FastifyBaseLogger | undefined;
  now: () => number;
  /** CONNECTION_CAP_LOG_INTERVAL_MS. */
  intervalMs: number;
  /** Connections open now, for the line. */
  open: () => number;
  /** Each refusal as it happens (the /metrics counter), besides the rate-limited log line. */
  onRefused?: (cap: CapName) => void;
}

/**
 * Refused connections, logged as a count: a flood refuses thousands a second, and a line each
 * would be a second flood (into the disk). The first refusal of a cap is logged at once; the
 * next line comes an interval after the last, with how many were refused in between.
 */
export class CapLog {
  private readonly tallies = new Map<CapName, Tally>();

  constructor(private readonly d: CapLogDeps) {}

  refused(cap: CapName, limit: number, address: string | undefined): void {
    let t = this.tallies.get(cap);
    if (!t) this.tallies.set(cap, (t = { refused: 0, limit, lastAddress: undefined, loggedAtMs: null, timer: null }));
    t.refused++;
    this.d.onRefused?.(cap);
    t.limit = limit;
    t.lastAddress = address ?? t.lastAddress;
    const sinceMs = t.loggedAtMs === null ? Infinity : this.d.now() - t.loggedAtMs;
    if (sinceMs >= this.d.intervalMs) return this.flush(cap, t);
    if (t.timer) return;
    const tally = t;
    tally.timer = setTimeout(() => this.flush(cap, tally), this.d.intervalMs - sinceMs);
    tally.timer.unref();
  }

  /** Drops what is pending (the server closed). */
  stop(): void {
    for (const t of this.tallies.values()) if (t.timer) clearTimeout(t.timer);
    this.tallies.clear();
  }

  private flush(cap: CapName, t: Tally): void {
    if (t.timer) clearTimeout(t.timer);
    t.timer = null;
    if (t.refused === 0) return;
    this.d.log?.warn(
      {
        cap,
        limit: t.limit,
        refused: t.refused,
        open: this.d.open(),
        lastAddress: t.lastAddress,
        intervalMs: this.d.intervalMs,
      },
      'connection cap reached: connections refused (at most one line per cap and interval)',
    );
    t.refused = 0;
    t.loggedAtMs = this.d.now();
  }
}
