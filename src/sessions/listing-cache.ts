import type { Clock } from '../util/clock.js';

/** How many distinct queries the cache holds at most; the oldest answer goes first. */
export const LISTING_CACHE_ENTRIES = 1000;

interface Entry<V> {
  atMs: number;
  generation: number;
  value: Promise<V>;
}

/**
 * A short-lived answer shared by everyone asking the same question (LOBBY_CACHE_MS): thousands
 * of clients polling the lobby listing every few seconds ask a handful of distinct queries, and
 * each is read from the store at most once per `ttlMs` (concurrent askers share the one read in
 * flight). An answer is at most `ttlMs` old, counted from when its read began, and is not
 * given once `generation()` moved on (this process changed what the answers show) or `clear()`
 * dropped it. At most `maxEntries` answers are kept, so
 * queries made up to miss the cache cost memory no more than that. `ttlMs` 0: no cache.
 */
export class ListingCache<V> {
  private readonly entries = new Map<string, Entry<V>>();

  constructor(
    private readonly clock: Pick<Clock, 'now'>,
    readonly ttlMs: number,
    /** Moves on whenever what the answers show changed here; an answer of an older one is not given. */
    private readonly generation: () => number = () => 0,
    private readonly maxEntries = LISTING_CACHE_ENTRIES,
  ) {}

  /** Answers held (fresh or not yet dropped). */
  get size(): number {
    return this.entries.size;
  }

  /** The answer to `key` read at most ttlMs ago, else `read()`'s (shared until it is ttlMs old). */
  get(key: string, read: () => Promise<V>): Promise<V> {
    if (this.ttlMs <= 0) return read();
    const now = this.clock.now();
    const generation = this.generation();
    const held = this.entries.get(key);
    if (held && now - held.atMs < this.ttlMs && held.generation === generation) return held.value;
    // Deleted and set again: the map's order stays the answers' age, oldest first.
    if (held) this.entries.delete(key);
    else if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    const entry: Entry<V> = { atMs: now, generation, value: read() };
    this.entries.set(key, entry);
    // A failed read is not an answer: the next asker reads again.
    entry.value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return entry.value;
  }

  /** Drops every answer: the next asker of each reads the store. */
  clear(): void {
    this.entries.clear();
  }
}
