import { DeleteWatch, type DeleteStats } from './delete-watch.js';
import { Lifecycle } from './lifecycle.js';
import { mergeFaults, type Faults, type ResolvedOptions } from './options.js';
import { RateLimiter } from './rate-limiter.js';
import { RegionControls } from './region-controls.js';
import { createRng, type Rng } from './rng.js';
import { toEmulated, type EmulatedDroplet } from './state/records.js';
import { World } from './state/world.js';

/**
 * One emulated DigitalOcean account: the world, its clock-driven lifecycle, the per-token
 * rate limiter, the active faults, the seeded RNG and per-route request counts. Owned by one
 * Fastify app; nothing is shared between emulators.
 */
export class EmulatorCore {
  readonly world = new World();
  readonly limiter: RateLimiter;
  readonly lifecycle: Lifecycle;
  /** The seeded sequence every fault and address order draws from; reset() restarts it. */
  readonly rng: Rng = {
    next: () => this.rngState.next(),
    chance: (p) => this.rngState.chance(p),
    pick: (items) => this.rngState.pick(items),
  };
  private rngState: Rng;
  private activeFaults: Faults;
  private readonly counts = new Map<string, number>();
  /** Per-region availability, sold-out sizes and faults (region-controls.ts). */
  readonly regions: RegionControls;
  /** Droplet deletes received, unanswered and their outcomes (the droplet delete route feeds it). */
  readonly deletes = new DeleteWatch();
  private readonly closing = new AbortController();

  /** Aborted when the emulator closes: requests held on purpose (slow fault) end then. */
  get closedSignal(): AbortSignal {
    return this.closing.signal;
  }

  constructor(readonly opts: ResolvedOptions) {
    this.rngState = createRng(opts.seed);
    this.activeFaults = { ...opts.faults };
    this.regions = new RegionControls(opts.regions);
    this.limiter = new RateLimiter(opts.rateLimitPerHour, opts.burstPerMinute);
    this.lifecycle = new Lifecycle(this.world, opts.clock, this.rng, opts);
  }

  nowMs(): number {
    return this.opts.clock.now();
  }

  faults(): Readonly<Faults> {
    return { ...this.activeFaults };
  }

  /** The faults for a request concerning a region (a create in it, a droplet of it): its own over the account's. */
  faultsFor(regionSlug: string | null): Faults {
    return this.regions.faultsFor(this.activeFaults, regionSlug);
  }

  /** Merges a partial fault setting; throws an Error naming a bad key or value. */
  setFaults(patch: Partial<Faults> | Record<string, unknown>): Faults {
    this.activeFaults = mergeFaults(this.activeFaults, patch);
    return this.faults();
  }

  /** Uses up one of the injected 429s; true when this request must get one. */
  takeBurst429(): boolean {
    if (this.activeFaults.burst429 <= 0) return false;
    this.activeFaults.burst429 -= 1;
    return true;
  }

  count(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  requestCounts(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  resetCounts(): void {
    this.counts.clear();
  }

  deleteStats(): DeleteStats {
    return this.deletes.stats();
  }

  /** Every droplet ever made, deleted ones included, oldest first. */
  droplets(): EmulatedDroplet[] {
    return [...this.world.droplets.values()].map(toEmulated);
  }

  /** Back to the start: no droplets, tags or actions; start faults and region controls; counts, limits and RNG reset. */
  reset(): void {
    this.lifecycle.cancelAll();
    this.world.clear();
    this.limiter.clear();
    this.counts.clear();
    this.deletes.clear();
    this.activeFaults = { ...this.opts.faults };
    this.regions.clear();
    this.rngState = createRng(this.opts.seed);
  }

  close(): void {
    this.closing.abort();
    this.lifecycle.cancelAll();
  }
}
