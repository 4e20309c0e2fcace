import { DeleteWatch, type DeleteStats } from './delete-watch.js';
import { Lifecycle } from './lifecycle.js';
import { EmulatorControls } from './controls.js';
import type { Faults, ResolvedOptions } from './options.js';
import { RateLimiter } from './rate-limiter.js';
import { RegionControls } from './region-controls.js';
import { toEmulated, type EmulatedDroplet } from './state/records.js';
import { World } from './state/world.js';

/**
 * One emulated DigitalOcean account: the world, its clock-driven lifecycle, the per-token
 * rate limiter, the active faults, the seeded RNG and per-route request counts. Owned by one
 * Fastify app; nothing is shared between emulators.
 */
export class EmulatorCore extends EmulatorControls {
  readonly world = new World();
  readonly limiter: RateLimiter;
  readonly lifecycle: Lifecycle;
  /** Per-region availability, sold-out sizes and faults (region-controls.ts). */
  readonly regions: RegionControls;
  /** Droplet deletes received, unanswered and their outcomes (the droplet delete route feeds it). */
  readonly deletes = new DeleteWatch();

  constructor(readonly opts: ResolvedOptions) {
    super(opts);
    this.regions = new RegionControls(opts.regions);
    this.limiter = new RateLimiter(opts.rateLimitPerHour, opts.burstPerMinute);
    this.lifecycle = new Lifecycle(this.world, opts.clock, this.rng, opts);
  }

  nowMs(): number {
    return this.opts.clock.now();
  }

  /** The faults for a request concerning a region (a create in it, a droplet of it): its own over the account's. */
  faultsFor(regionSlug: string | null): Faults {
    return this.regions.faultsFor(this.activeFaults, regionSlug);
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
    this.deletes.clear();
    this.regions.clear();
    this.resetControls();
  }

  close(): void {
    this.abortHeld();
    this.lifecycle.cancelAll();
  }
}
