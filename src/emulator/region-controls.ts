import { findRegion, type RegionEntry } from './catalogue/regions.js';
import { findSize, type SizeEntry } from './catalogue/sizes.js';
import { mergeFaults, NO_FAULTS, type Faults, type RegionControl, type RegionControlPatch } from './options.js';

const OPEN: Readonly<RegionControl> = Object.freeze({ available: true, soldOut: [], faults: {} });

/** The per-region controls of one emulated account. Throws an Error naming a bad slug, size or fault. */
export class RegionControls {
  private readonly byRegion = new Map<string, RegionControl>();

  constructor(private readonly initial: Readonly<Record<string, RegionControlPatch>> = {}) {
    this.clear();
  }

  /** Back to the controls the emulator started with. */
  clear(): void {
    this.byRegion.clear();
    for (const [slug, patch] of Object.entries(this.initial)) this.set(slug, patch);
  }

  set(slug: string, patch: RegionControlPatch | Record<string, unknown>): RegionControl {
    if (!findRegion(slug)) throw new Error(`unknown region ${slug}`);
    const next = { ...this.get(slug) };
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      if (key === 'available') {
        if (typeof value !== 'boolean') throw new Error('available must be a boolean');
        next.available = value;
      } else if (key === 'soldOut') {
        if (!Array.isArray(value) || !value.every((s) => typeof s === 'string' && findSize(s)))
          throw new Error('soldOut must be a list of size slugs the catalogue knows');
        next.soldOut = [...new Set(value as string[])];
      } else if (key === 'faults') {
        if (typeof value !== 'object' || value === null || Array.isArray(value))
          throw new Error('faults must be an object');
        mergeFaults(NO_FAULTS, value); // validates names and ranges
        next.faults = { ...next.faults, ...(value as Partial<Faults>) };
      } else {
        throw new Error(`unknown region control ${key}`);
      }
    }
    this.byRegion.set(slug, next);
    return this.get(slug);
  }

  get(slug: string): RegionControl {
    const c = this.byRegion.get(slug) ?? OPEN;
    return { available: c.available, soldOut: [...c.soldOut], faults: { ...c.faults } };
  }

  /** Every region whose control differs from the catalogue, by slug. */
  list(): Record<string, RegionControl> {
    return Object.fromEntries([...this.byRegion.keys()].map((slug) => [slug, this.get(slug)]));
  }

  /** The region takes new droplets (the catalogue says so and no test closed it). */
  isOpen(region: RegionEntry): boolean {
    return region.available && (this.byRegion.get(region.slug)?.available ?? true);
  }

  /** A create of this size in this region is possible now. */
  offers(region: RegionEntry, size: SizeEntry): boolean {
    if (!this.isOpen(region) || !size.available) return false;
    if (!size.regions.includes(region.slug) || !region.sizes.includes(size.slug)) return false;
    return !(this.byRegion.get(region.slug)?.soldOut.includes(size.slug) ?? false);
  }

  /** The region as `/v2/regions` shows it now. */
  regionView(region: RegionEntry): RegionEntry {
    const open = this.isOpen(region);
    const soldOut = this.byRegion.get(region.slug)?.soldOut ?? [];
    return { ...region, available: open, sizes: open ? region.sizes.filter((s) => !soldOut.includes(s)) : [] };
  }

  /** The size as `/v2/sizes` shows it now: only the regions that offer it. */
  sizeView(size: SizeEntry): SizeEntry {
    const regions = size.regions.filter((slug) => {
      const region = findRegion(slug);
      return region === undefined || this.offers(region, size);
    });
    return { ...size, regions };
  }

  /** The faults in force for a request concerning this region. */
  faultsFor(base: Readonly<Faults>, slug: string | null): Faults {
    const own = slug === null ? undefined : this.byRegion.get(slug)?.faults;
    return own && Object.keys(own).length > 0 ? { ...base, ...own } : { ...base };
  }

  /** The region has faults of its own for requests (drop, error, slow): draws are made only then. */
  hasRequestFaults(slug: string | null): boolean {
    const own = slug === null ? undefined : this.byRegion.get(slug)?.faults;
    return own !== undefined && ['dropRate', 'errorRate', 'slowRate'].some((k) => k in own);
  }
}
