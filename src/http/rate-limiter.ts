import { OrchestratorError } from '../domain/errors.js';
import { addressBucket } from '../domain/ip-address.js';
import type { Bucket } from '../store/cache-queries.js';
import { MemoryBuckets } from './memory-buckets.js';
import type { OperatorAuthThrottle } from './admin-auth.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';

export interface RateLimiterOptions {
  /** Starts per minute from one address; 0 turns the limit off. */
  startsPerMinute: number;
  /** Failed share-code lookups per minute from one address; 0 turns the limit off. */
  failedJoinsPerMinute: number;
  /** Wrong operator tokens (ADMIN_TOKEN) per minute from one address; 0 or absent: off. */
  operatorAuthFailuresPerMinute?: number;
  /** Public lobby listings per minute from one address (LOBBY_LIST_LIMIT_PER_MIN); 0 or absent: off. */
  lobbyListsPerMinute?: number;
}

const WINDOW_MS = 60_000;

/** A share-code lookup's place in the guess budget (RateLimiter.reserveLookup): settle it once. */
export interface LookupReservation {
  /** The code exists: the lookup does not count. */
  found(): Promise<void>;
  /** No such code: the lookup counts as a failed guess. */
  unknown(): Promise<void>;
}

/**
 * Per-address limits kept in the store, so every replica sees the same counts. Joins count
 * only failures: a player joining a real code is never slowed, a code guesser is.
 *
 * Each limit is a leaky bucket (`limit` hits fill it; it drains `limit` per minute), not a
 * fixed window: no minute boundary lets twice the limit through in a moment. Addresses count
 * canonically (`::ffff:a.b.c.d` is `a.b.c.d`, whichever route it came by) and an IPv6 client
 * by its /64, so one subscriber cannot multiply its budget by changing addresses.
 */
export class RateLimiter {
  private readonly starts: Bucket;
  private readonly guesses: Bucket;
  private readonly adminFailures: Bucket;
  private readonly lobbyLists: Bucket;
  /** The lobby listings' buckets when every listing comes to this process (store.exclusive); null: in the store. */
  private readonly lobbyListsHere: MemoryBuckets | null;
  /**
   * With the database to itself (store.exclusive), the failed-lookup levels as the store last
   * answered them: every failure is written here, so a lookup reads the store once per address
   * (until dropped), not on every join. Null: read the store each time.
   */
  private readonly guessLevels: MemoryBuckets | null;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly opts: RateLimiterOptions,
  ) {
    this.starts = { limit: opts.startsPerMinute, windowMs: WINDOW_MS };
    this.guesses = { limit: opts.failedJoinsPerMinute, windowMs: WINDOW_MS };
    this.adminFailures = { limit: opts.operatorAuthFailuresPerMinute ?? 0, windowMs: WINDOW_MS };
    this.lobbyLists = { limit: opts.lobbyListsPerMinute ?? 0, windowMs: WINDOW_MS };
    this.lobbyListsHere = store.exclusive ? new MemoryBuckets(this.lobbyLists) : null;
    this.guessLevels = store.exclusive ? new MemoryBuckets(this.guesses) : null;
  }

  /**
   * Operator-token guessing (ADMIN_AUTH_FAIL_LIMIT_PER_MIN): an address that sent that many
   * wrong tokens is refused, right token or not, until its bucket drains; right tokens never
   * count. Without it a guesser ran at ~370 tokens a second.
   */
  readonly operatorAuth: OperatorAuthThrottle = {
    check: async (addr) => {
      const b = this.adminFailures;
      if (b.limit <= 0) return;
      const level = await this.store.leakLevel(`adminfail:${addressBucket(addr)}`, b, this.clock.now());
      if (level + 1 > b.limit) this.refuse('Too many wrong operator tokens from this address; wait', b, level);
    },
    failed: async (addr) => {
      if (this.adminFailures.limit <= 0) return;
      await this.store.leakHit(`adminfail:${addressBucket(addr)}`, this.adminFailures, this.clock.now());
    },
  };

  async checkStart(addr: string): Promise<void> {
    if (this.opts.startsPerMinute <= 0) return;
    const level = await this.store.leakHit(`start:${addressBucket(addr)}`, this.starts, this.clock.now());
    if (level > this.starts.limit)
      this.refuse('Too many session starts from this address; slow down', this.starts, level);
  }

  /**
   * A public lobby listing: every one counts (a poll every few seconds fits; a scraper does not).
   * With the database to itself (SQLite) the counts are kept in memory: no write per listing.
   */
  async checkLobbyList(addr: string): Promise<void> {
    if (this.lobbyLists.limit <= 0) return;
    const key = `lobbies:${addressBucket(addr)}`;
    const level = this.lobbyListsHere
      ? this.lobbyListsHere.hit(key, this.clock.now())
      : await this.store.leakHit(key, this.lobbyLists, this.clock.now());
    if (level > this.lobbyLists.limit)
      this.refuse('Too many lobby listings from this address; poll less often', this.lobbyLists, level);
  }

  /** Lookups from one address bucket in flight in this process (not yet known to have failed). */
  private readonly inflight = new Map<string, number>();

  /**
   * Before a share-code lookup: refuses when the address's failed lookups (the bucket's level),
   * plus its lookups still in flight here, reach the limit, so concurrent guesses cannot all
   * pass a check made before any of them failed. Costs a read, no write: correct codes
   * never count. Call the returned release after recording the outcome. (Across replicas,
   * each can let `limit` concurrent guesses through at most; /v1 reserves in the store.)
   */
  async beginJoin(addr: string): Promise<() => void> {
    if (this.opts.failedJoinsPerMinute <= 0) return () => {};
    const bucket = addressBucket(addr);
    const ahead = this.inflight.get(bucket) ?? 0;
    this.inflight.set(bucket, ahead + 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const left = (this.inflight.get(bucket) ?? 1) - 1;
      if (left > 0) this.inflight.set(bucket, left);
      else this.inflight.delete(bucket);
    };
    try {
      const level = await this.guessLevel(`joinfail:${bucket}`);
      // Refused unless one more whole guess fits, as for a hit: level after it ≤ limit.
      if (level + ahead + 1 > this.guesses.limit)
        this.refuse('Too many unknown share codes from this address; slow down', this.guesses, level + ahead);
    } catch (err) {
      release();
      throw err;
    }
    return release;
  }

  /** The failed lookups' level: held here (guessLevels), else the store's (then held). */
  private async guessLevel(key: string): Promise<number> {
    const now = this.clock.now();
    const held = this.guessLevels?.level(key, now);
    if (held !== undefined && held !== null) return held;
    const level = await this.store.leakLevel(key, this.guesses, now);
    this.guessLevels?.set(key, level, now, true);
    return level;
  }

  async recordFailedJoin(addr: string): Promise<void> {
    if (this.opts.failedJoinsPerMinute <= 0) return;
    const key = `joinfail:${addressBucket(addr)}`;
    const now = this.clock.now();
    const level = await this.store.leakHit(key, this.guesses, now);
    this.guessLevels?.set(key, level, now);
  }

  /**
   * A share-code lookup that cannot race: concurrent guesses from one address cannot all pass
   * a check made before any of them failed. Call `found()` when the code turned out to exist
   * (correct codes never count) and `unknown()` when it did not; exactly one of them.
   *
   * With replicas sharing the database, the lookup is counted as failed BEFORE it is made (one
   * atomic increment in the store, refused past the limit) and `found()` refunds it. With the
   * database to itself (SQLite, `store.exclusive`), every lookup of the address is in this
   * process, so its lookups in flight are counted here as beginJoin does, and a correct code
   * costs one read instead of two writes; `unknown()` writes the failure. Shares the
   * failed-join budget.
   */
  async reserveLookup(addr: string): Promise<LookupReservation> {
    if (this.opts.failedJoinsPerMinute <= 0) return { found: async () => {}, unknown: async () => {} };
    if (this.store.exclusive) {
      const release = await this.beginJoin(addr);
      return {
        found: async () => release(),
        unknown: async () => {
          try {
            await this.recordFailedJoin(addr);
          } finally {
            release();
          }
        },
      };
    }
    const key = `joinfail:${addressBucket(addr)}`;
    const at = this.clock.now();
    const level = await this.store.leakHit(key, this.guesses, at);
    if (level > this.guesses.limit)
      this.refuse('Too many unknown share codes from this address; slow down', this.guesses, level);
    return { found: async () => void (await this.store.leakHit(key, this.guesses, at, -1)), unknown: async () => {} };
  }

  /** Refuses with the seconds until one more hit fits in the bucket (level drains limit per window). */
  private refuse(message: string, b: Bucket, level: number): never {
    const overflow = level - b.limit + 1;
    const retryAfterS = Math.max(1, Math.ceil((overflow * b.windowMs) / b.limit / 1000));
    throw new OrchestratorError('rate_limited', message, retryAfterS);
  }
}
