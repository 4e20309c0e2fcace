/** What one request learned from the limiter; becomes the `RateLimit-*` headers. */
export interface BucketDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Unix seconds when the bucket will be full again (Hetzner's `RateLimit-Reset`). */
  resetS: number;
}

/**
 * Hetzner Cloud's limit as its documentation states it: a budget of `limit` requests (3600 by
 * default, per project) that refills gradually, one request a second; bursts are allowed. A
 * refused request takes nothing. One bucket per token (a token belongs to one project).
 */
export class TokenBucket {
  private readonly buckets = new Map<string, { level: number; atMs: number }>();

  constructor(
    private readonly limit: number,
    private readonly refillPerS: number,
  ) {}

  take(token: string, nowMs: number): BucketDecision {
    const b = this.fill(token, nowMs);
    if (b.level < 1) return this.decision(false, b.level, nowMs);
    b.level -= 1;
    return this.decision(true, b.level, nowMs);
  }

  /** The standing without taking anything (for refusals decided elsewhere). */
  peek(token: string, nowMs: number): BucketDecision {
    return this.decision(true, this.fill(token, nowMs).level, nowMs);
  }

  clear(): void {
    this.buckets.clear();
  }

  private fill(token: string, nowMs: number): { level: number; atMs: number } {
    let b = this.buckets.get(token);
    if (!b) {
      b = { level: this.limit, atMs: nowMs };
      this.buckets.set(token, b);
    }
    const gained = (Math.max(0, nowMs - b.atMs) / 1000) * this.refillPerS;
    b.level = Math.min(this.limit, b.level + gained);
    b.atMs = nowMs;
    return b;
  }

  private decision(allowed: boolean, level: number, nowMs: number): BucketDecision {
    const missing = this.limit - level;
    return {
      allowed,
      limit: this.limit,
      remaining: Math.floor(level),
      resetS: Math.ceil((nowMs + (missing / this.refillPerS) * 1000) / 1000),
    };
  }
}
