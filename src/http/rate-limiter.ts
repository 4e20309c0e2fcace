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

  /** Lookups from one address in flight in this process (not yet known to have failed). */
  private readonly inflight = new Map<string, number>();

  /**
   * Before a share-code lookup: refuses when the address's failed lookups in this window,
   * plus its lookups still in flight here, reach the limit, so concurrent guesses cannot all
   * pass a check made before any of them failed. Costs a read, no write: correct codes
   * never count. Call the returned release after recording the outcome. (Across replicas,
   * each can let `limit` concurrent guesses through at most; /v1 reserves in the store.)
   */
  async beginJoin(addr: string): Promise<() => void> {
    if (this.opts.failedJoinsPerMinute <= 0) return () => {};
    const ahead = this.inflight.get(addr) ?? 0;
    this.inflight.set(addr, ahead + 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const left = (this.inflight.get(addr) ?? 1) - 1;
      if (left > 0) this.inflight.set(addr, left);
      else this.inflight.delete(addr);
    };
    try {
      const n = await this.store.peekCounter(`joinfail:${addr}`, WINDOW_MS, this.clock.now());
      if (n + ahead >= this.opts.failedJoinsPerMinute)
        this.refuse('Too many unknown share codes from this address; slow down');
    } catch (err) {
      release();
      throw err;
    }
    return release;
  }

  async recordFailedJoin(addr: string): Promise<void> {
    if (this.opts.failedJoinsPerMinute <= 0) return;
    await this.store.hitCounter(`joinfail:${addr}`, WINDOW_MS, this.clock.now());
  }

  /**
   * A share-code lookup that cannot race: counts the lookup as failed BEFORE it is made (one
   * atomic increment), refusing past the limit, so concurrent guesses from one address cannot
   * all pass a check made before any of them was counted. Call the returned refund when the
   * code turned out to exist: correct codes never count. Shares the failed-join budget.
   */
  async reserveLookup(addr: string): Promise<() => Promise<void>> {
    if (this.opts.failedJoinsPerMinute <= 0) return async () => {};
    const at = this.clock.now();
    const n = await this.store.hitCounter(`joinfail:${addr}`, WINDOW_MS, at);
    if (n > this.opts.failedJoinsPerMinute) this.refuse('Too many unknown share codes from this address; slow down');
    // The refund lands in the window the lookup was counted in.
    return async () => void (await this.store.hitCounter(`joinfail:${addr}`, WINDOW_MS, at, -1));
  }

  private refuse(message: string): never {
    const now = this.clock.now();
    const retryAfterS = Math.max(1, Math.ceil((WINDOW_MS - (now % WINDOW_MS)) / 1000));
    throw new OrchestratorError('rate_limited', message, retryAfterS);
  }
}
