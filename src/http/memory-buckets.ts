import type { Bucket } from '../store/cache-queries.js';

/** A bucket's level is kept in thousandths of a hit, as the store keeps it (cache-queries.ts leakHit). */
const MILLI = 1000;

/** Buckets held at most before the drained ones are dropped (and, past that, the least recently hit). */
export const MEMORY_BUCKETS_MAX = 100_000;

interface Level {
  milli: number;
  lastMs: number;
}

/**
 * Leaky buckets in this process's memory, with the store's arithmetic (cache-queries.ts leakHit:
 * the level drains `limit` per window since the last hit, never below 0, and never rises above
 * `limit + 1`). For a limit whose every hit comes to this process: with the database to itself
 * (SQLite, `Store.exclusive`) there is no other replica to share a count with, and a hit then
 * costs no write (a lobby listing wrote one row per poll, most of its cost once answers are
 * cached). A restart starts the counts over.
 *
 * At most `max` buckets: past it, the drained ones go, then the least recently hit, so a flood of
 * addresses costs bounded memory (an address dropped while not drained gets a fresh bucket).
 */
export class MemoryBuckets {
  private readonly levels = new Map<string, Level>();

  constructor(
    private readonly b: Bucket,
    private readonly max = MEMORY_BUCKETS_MAX,
  ) {}

  get size(): number {
    return this.levels.size;
  }

  /** One hit at nowMs; the level after it, in hits (as Store.leakHit answers). */
  hit(key: string, nowMs: number): number {
    const held = this.levels.get(key);
    let milli = MILLI;
    if (held) {
      this.levels.delete(key); // set again below: the map's order is the last hit's, oldest first
      milli = Math.min(this.drained(held, nowMs) + MILLI, (this.b.limit + 1) * MILLI);
    } else if (this.levels.size >= this.max) this.makeRoom(nowMs);
    this.levels.set(key, { milli, lastMs: Math.max(nowMs, held?.lastMs ?? nowMs) });
    return milli / MILLI;
  }

  /** The level at nowMs, in hits, of a bucket held here; null when none is (ask the store). */
  level(key: string, nowMs: number): number | null {
    const held = this.levels.get(key);
    return held ? this.drained(held, nowMs) / MILLI : null;
  }

  /**
   * Holds `level` (in hits) as the bucket's level at nowMs: what the store answered, for a
   * bucket whose every hit goes through this process (a read-through copy). `ifAbsent`: only
   * when none is held (a read that may be older than a hit answered meanwhile).
   */
  set(key: string, level: number, nowMs: number, ifAbsent = false): void {
    const held = this.levels.get(key);
    if (held && ifAbsent) return;
    if (held) this.levels.delete(key);
    else if (this.levels.size >= this.max) this.makeRoom(nowMs);
    this.levels.set(key, { milli: Math.round(level * MILLI), lastMs: nowMs });
  }

  /** The level `held` drained to by nowMs (a clock that stepped back drains nothing). */
  private drained(held: Level, nowMs: number): number {
    const elapsed = Math.max(0, nowMs - held.lastMs);
    return Math.max(0, held.milli - Math.trunc((elapsed * this.b.limit * MILLI) / this.b.windowMs));
  }

  private makeRoom(nowMs: number): void {
    for (const [key, level] of this.levels) if (this.drained(level, nowMs) === 0) this.levels.delete(key);
    // Still full: the least recently hit go, a tenth at a time (so this is not paid on every hit).
    let drop = this.levels.size >= this.max ? Math.ceil(this.max / 10) : 0;
    for (const key of this.levels.keys()) {
      if (drop-- <= 0) break;
      this.levels.delete(key);
    }
  }
}
