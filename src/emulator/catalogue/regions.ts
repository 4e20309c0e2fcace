import { SIZES } from './sizes.js';

/** A region as `/v2/regions` shows it. */
export interface RegionEntry {
  readonly slug: string;
  readonly name: string;
  readonly features: readonly string[];
  /** False for legacy regions that take no new droplets. */
  readonly available: boolean;
  readonly sizes: readonly string[];
}

/** Features of nyc3 in the spec's regions_list example; every region here offers the same set. */
const FEATURES = ['private_networking', 'backups', 'ipv6', 'metadata', 'install_agent', 'storage', 'image_transfer'];

/**
 * The 13 regions of the spec examples (image and size `regions` lists). ams2 and sfo1 are
 * legacy regions that DigitalOcean closed to new droplets, kept so "invalid region" can be
 * exercised with a slug that exists.
 */
const REGION_ROWS: readonly (readonly [slug: string, name: string, available: boolean])[] = [
  ['nyc1', 'New York 1', true],
  ['nyc2', 'New York 2', true],
  ['nyc3', 'New York 3', true],
  ['ams2', 'Amsterdam 2', false],
  ['ams3', 'Amsterdam 3', true],
  ['sfo1', 'San Francisco 1', false],
  ['sfo2', 'San Francisco 2', true],
  ['sfo3', 'San Francisco 3', true],
  ['sgp1', 'Singapore 1', true],
  ['lon1', 'London 1', true],
  ['fra1', 'Frankfurt 1', true],
  ['tor1', 'Toronto 1', true],
  ['blr1', 'Bangalore 1', true],
];

export const REGIONS: readonly RegionEntry[] = REGION_ROWS.map(([slug, name, available]) => ({
  slug,
  name,
  features: FEATURES,
  available,
  // An unavailable region offers no sizes, as the real API shows.
  sizes: available ? SIZES.filter((s) => s.available && s.regions.includes(slug)).map((s) => s.slug) : [],
}));

/** The region with this exact slug, or undefined. */
export function findRegion(slug: string): RegionEntry | undefined {
  return REGIONS.find((r) => r.slug === slug);
}

/** The droplet-facing region JSON (same shape as the list entries). */
export function regionJson(region: RegionEntry): Record<string, unknown> {
  return {
    name: region.name,
    slug: region.slug,
    features: [...region.features],
    available: region.available,
    sizes: [...region.sizes],
  };
}
