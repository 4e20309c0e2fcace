import { OrchestratorError } from '../domain/errors.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';

export interface RateLimiterOptions {
  /** Starts per minute from one address; 0 turns the limit off. */
  startsPerMinute: number;
  /** Failed share-code lookups per minute from one address; 0 turns the limit off. */
  failedJoinsPerMinute: number;
}

const WINDOW_MS = 60_000;

/**
 * Per-address limits kept in the store, so every replica sees the same counts. Joins count
 * only failures: a player joining a real code is never slowed, a code guesser is.
 */
export class RateLimiter {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly opts: RateLimiterOptions,
  ) {}

  async checkStart(addr: string): Promise<void> {
    if (this.opts.startsPerMinute <= 0) return;
    const n = await this.store.hitCounter(`start:${addr}`, WINDOW_MS, this.clock.now());
    if (n > this.opts.startsPerMinute) this.refuse('Too many session starts from this address; slow down');
  }

  async checkJoinAllowed(addr: string): Promise<void> {
    if (this.opts.failedJoinsPerMinute <= 0) return;
    const n = await this.store.peekCounter(`joinfail:${addr}`, WINDOW_MS, this.clock.now());
    if (n >= this.opts.failedJoinsPerMinute) this.refuse('Too many unknown share codes from this address; slow down');
  }

  async recordFailedJoin(addr: string): Promise<void> {
    if (this.opts.failedJoinsPerMinute <= 0) return;
    await this.store.hitCounter(`joinfail:${addr}`, WINDOW_MS, this.clock.now());
  }

  private refuse(message: string): never {
    const now = this.clock.now();
    const retryAfterS = Math.max(1, Math.ceil((WINDOW_MS - (now % WINDOW_MS)) / 1000));
    throw new OrchestratorError('rate_limited', message, retryAfterS);
  }
}
