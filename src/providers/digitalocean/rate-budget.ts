import type { Clock } from '../../util/clock.js';

/** Who is asking; when the budget is tight, deletes go first (they stop spending money). */
export const RequestPriority = { delete: 0, create: 1, read: 2 } as const;
export type RequestPriority = keyof typeof RequestPriority;

/**
 * Share of each limit a priority must leave unused. Reads stop first so a reconcile pass
 * that lists cannot starve the deletes that follow it; deletes may spend the last request.
 */
export const RESERVE_FRACTION: Record<RequestPriority, number> = { delete: 0, create: 0.02, read: 0.05 };

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

export interface RateBudgetOptions {
  clock: Clock;
  /** DigitalOcean's per-token sliding hour: 5,000. */
  perHour?: number;
  /** DigitalOcean's per-token burst: 250 a minute. */
  perMinute?: number;
  /**
   * Set for a budget that refills continuously (Hetzner: one request a second, up to the hour's
   * limit): `ratelimit-remaining` then grows again at this rate, so a low count waits seconds,
   * not until `ratelimit-reset` (which is when the budget is full again), and a 429 without
   * `retry-after` waits for one request's refill.
   */
  refillPerS?: number;
}

/** A snapshot of the budget (see RateBudget.stats). */
export interface RateBudgetStats {
  perHour: number;
  perMinute: number;
  remainingHour: number;
  remainingMinute: number;
  /** A 429 blocks every request until then. */
  blockedForMs: number;
  queued: number;
}

/** What the last response said about the token's budget. */
interface HeaderState {
  limit: number;
  remaining: number;
  resetMs: number;
  /** Grants made after this header was seen, which it cannot have counted. */
  grantsSince: number;
  /** When it was seen (a refilling budget grows from then). */
  seenMs: number;
}

interface Waiter {
  priority: RequestPriority;
  seq: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * Keeps one token inside DigitalOcean's limits. A local sliding window counts our own
 * requests (so we stay inside even before any header arrives); the `ratelimit-*` headers add
 * what other users of the same token spent; a 429's `retry-after` (or `ratelimit-reset`)
 * blocks everyone until then. Waiters are served delete > create > read, FIFO within each.
 * Time comes from the injected Clock, so tests step it instead of sleeping.
 */
export class RateBudget {
  private readonly perHour: number;
  private readonly perMinute: number;
  /** Grant times of the last hour, ascending. */
  private sentMs: number[] = [];
  private header: HeaderState | null = null;
  private blockedUntilMs = 0;
  private waiters: Waiter[] = [];
  private seq = 0;
  private pumping = false;
  private wake: AbortController | null = null;
  private closed = false;

  constructor(private readonly opts: RateBudgetOptions) {
    this.perHour = opts.perHour ?? 5000;
    this.perMinute = opts.perMinute ?? 250;
  }

  /** Milliseconds `priority` would wait right now (0 = may send). */
  waitMs(priority: RequestPriority): number {
    const now = this.opts.clock.now();
    this.prune(now);
    const frac = RESERVE_FRACTION[priority];
    let until = this.blockedUntilMs;
    until = Math.max(until, this.windowFreeAt(MINUTE_MS, this.perMinute - Math.floor(this.perMinute * frac), now));
    until = Math.max(until, this.windowFreeAt(HOUR_MS, this.perHour - Math.floor(this.perHour * frac), now));
    const h = this.header;
    const floor = h ? Math.floor(h.limit * frac) : 0;
    if (h && h.resetMs > now && h.remaining - h.grantsSince <= floor) {
      until = Math.max(until, Math.min(this.headerFreeAt(h, floor), now + HOUR_MS));
    }
    return Math.max(0, until - now);
  }

  /** When the header's count will be above `floor` again: its reset, or sooner when it refills. */
  private headerFreeAt(h: HeaderState, floor: number): number {
    const refill = this.opts.refillPerS;
    if (!refill) return h.resetMs;
    const short = floor - (h.remaining - h.grantsSince) + 1;
    return Math.min(h.resetMs, h.seenMs + (short * 1000) / refill);
  }

  /** Resolves when a request of this priority may be sent, and counts it as sent. */
  acquire(priority: RequestPriority): Promise<void> {
    if (this.closed) return Promise.reject(new Error('rate budget closed'));
    if (this.waiters.length === 0 && this.waitMs(priority) === 0) {
      this.grant();
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ priority, seq: this.seq++, resolve, reject });
      this.waiters.sort((a, b) => RequestPriority[a.priority] - RequestPriority[b.priority] || a.seq - b.seq);
      this.recompute();
    });
  }

  /** Reads `ratelimit-*` and, on a 429, `retry-after` from a response. */
  observe(status: number, headers: Headers): void {
    const now = this.opts.clock.now();
    const limit = num(headers.get('ratelimit-limit'));
    const remaining = num(headers.get('ratelimit-remaining'));
    const resetS = num(headers.get('ratelimit-reset'));
    const retryAfterS = status === 429 ? num(headers.get('retry-after')) : null;
    if (retryAfterS !== null) {
      // A burst 429 also says `remaining: 0` with the hour's reset; only retry-after is true.
      this.blockUntil(now + retryAfterS * 1000);
    } else {
      if (remaining !== null && resetS !== null) {
        this.header = { limit: limit ?? this.perHour, remaining, resetMs: resetS * 1000, grantsSince: 0, seenMs: now };
      }
      const refill = this.opts.refillPerS;
      if (status === 429 && refill) this.blockUntil(now + Math.ceil(1000 / refill));
      else if (status === 429 && resetS !== null) this.blockUntil(Math.min(resetS * 1000, now + HOUR_MS));
    }
    this.recompute();
  }

  /** What is left of the token's budget right now (metrics, the dashboard). */
  stats(): RateBudgetStats {
    const now = this.opts.clock.now();
    this.prune(now);
    let lastMinute = 0;
    for (let i = this.sentMs.length - 1; i >= 0 && this.sentMs[i]! > now - MINUTE_MS; i--) lastMinute++;
    const h = this.header && this.header.resetMs > now ? this.header : null;
    const hourLeft = this.perHour - this.sentMs.length;
    return {
      perHour: this.perHour,
      perMinute: this.perMinute,
      // Our own count, or what DigitalOcean last said (others may share the token), whichever is less.
      remainingHour: Math.max(0, h ? Math.min(hourLeft, h.remaining - h.grantsSince) : hourLeft),
      remainingMinute: Math.max(0, this.perMinute - lastMinute),
      blockedForMs: Math.max(0, this.blockedUntilMs - now),
      queued: this.waiters.length,
    };
  }

  /**
   * Requests that may still be sent in the sliding minute and hour (our own count, and the
   * last `ratelimit-remaining` when it says less), less those queued for budget.
   */
  left(): { minute: number; hour: number } {
    const now = this.opts.clock.now();
    this.prune(now);
    const minuteSent = this.sentMs.filter((t) => t > now - MINUTE_MS).length;
    let hour = this.perHour - this.sentMs.length;
    const h = this.header;
    if (h && h.resetMs > now) hour = Math.min(hour, h.remaining - h.grantsSince);
    const blocked = this.blockedUntilMs > now ? 0 : 1;
    return {
      minute: blocked * Math.max(0, this.perMinute - minuteSent - this.waiters.length),
      hour: blocked * Math.max(0, hour - this.waiters.length),
    };
  }

  /** Number of requests waiting for budget (for tests and metrics). */
  get queued(): number {
    return this.waiters.length;
  }

  /** Rejects every waiter; later acquires fail at once. */
  close(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.reject(new Error('rate budget closed'));
    this.wake?.abort();
  }

  private blockUntil(atMs: number): void {
    this.blockedUntilMs = Math.max(this.blockedUntilMs, atMs);
  }

  private grant(): void {
    this.sentMs.push(this.opts.clock.now());
    if (this.header) this.header.grantsSince++;
  }

  /** Wakes the pump so it re-reads the head of the queue and the new state. */
  private recompute(): void {
    this.wake?.abort();
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.waiters.length > 0 && !this.closed) {
        const head = this.waiters[0]!;
        const waitMs = this.waitMs(head.priority);
        if (waitMs === 0) {
          this.waiters.shift();
          this.grant();
          head.resolve();
          continue;
        }
        this.wake = new AbortController();
        await this.opts.clock.sleep(waitMs, this.wake.signal);
        this.wake = null;
      }
    } finally {
      this.pumping = false;
    }
  }

  /** When a window of `spanMs` will hold fewer than `allowed` grants (now if it already does). */
  private windowFreeAt(spanMs: number, allowed: number, now: number): number {
    const from = now - spanMs;
    let first = 0;
    while (first < this.sentMs.length && this.sentMs[first]! <= from) first++;
    const count = this.sentMs.length - first;
    if (count < allowed) return 0;
    return this.sentMs[first + (count - Math.max(allowed, 1))]! + spanMs;
  }

  private prune(now: number): void {
    let drop = 0;
    while (drop < this.sentMs.length && this.sentMs[drop]! <= now - HOUR_MS) drop++;
    if (drop > 0) this.sentMs.splice(0, drop);
  }
}

function num(v: string | null): number | null {
  if (v === null || v.trim() === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}
