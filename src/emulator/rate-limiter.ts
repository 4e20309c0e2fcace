const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

/** What one request learned from the limiter; becomes the `ratelimit-*` headers. */
export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Unix seconds when the oldest request in the hour window expires. */
  resetS: number;
  /** Set when the per-minute burst limit refused the request. */
  retryAfterS?: number;
}

/**
 * DigitalOcean's per-token limits: each accepted request counts for exactly one hour
 * (a sliding window, not a fixed one) and at most `perMinute` may fall in any minute.
 * Refused requests do not count, so a client that waits as told gets through.
 */
export class RateLimiter {
  /** Accepted request times per token, oldest first. */
  private readonly windows = new Map<string, number[]>();

  constructor(
    private readonly perHour: number,
    private readonly perMinute: number,
  ) {}

  /** Accounts one request by `token` at `nowMs`. */
  take(token: string, nowMs: number): RateDecision {
    const times = this.prune(token, nowMs);
    const oldest = times[0];
    if (times.length >= this.perHour && oldest !== undefined) {
      return { allowed: false, limit: this.perHour, remaining: 0, resetS: toSeconds(oldest + HOUR_MS) };
    }
    const inMinute = countSince(times, nowMs - MINUTE_MS);
    if (inMinute >= this.perMinute) {
      const firstInMinute = times[times.length - inMinute] ?? nowMs;
      return {
        allowed: false,
        limit: this.perHour,
        remaining: 0,
        resetS: toSeconds((oldest ?? nowMs) + HOUR_MS),
        retryAfterS: Math.max(1, Math.ceil((firstInMinute + MINUTE_MS - nowMs) / 1000)),
      };
    }
    times.push(nowMs);
    return {
      allowed: true,
      limit: this.perHour,
      remaining: this.perHour - times.length,
      resetS: toSeconds((times[0] ?? nowMs) + HOUR_MS),
    };
  }

  /** The token's standing without counting a request (for refusals decided elsewhere). */
  peek(token: string, nowMs: number): RateDecision {
    const times = this.prune(token, nowMs);
    return {
      allowed: true,
      limit: this.perHour,
      remaining: Math.max(0, this.perHour - times.length),
      resetS: toSeconds(times[0] !== undefined ? times[0] + HOUR_MS : nowMs),
    };
  }

  /** Headers for a request that carries no usable token (nothing is counted). */
  idle(nowMs: number): RateDecision {
    return { allowed: true, limit: this.perHour, remaining: this.perHour, resetS: toSeconds(nowMs) };
  }

  clear(): void {
    this.windows.clear();
  }

  private prune(token: string, nowMs: number): number[] {
    let times = this.windows.get(token);
    if (!times) {
      times = [];
      this.windows.set(token, times);
    }
    let expired = 0;
    while (expired < times.length && (times[expired] ?? 0) <= nowMs - HOUR_MS) expired++;
    if (expired > 0) times.splice(0, expired);
    return times;
  }
}

/** How many of the sorted `times` are after `sinceMs` (binary search: windows can be long). */
function countSince(times: readonly number[], sinceMs: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((times[mid] ?? 0) > sinceMs) hi = mid;
    else lo = mid + 1;
  }
  return times.length - lo;
}

function toSeconds(ms: number): number {
  return Math.ceil(ms / 1000);
}
