/**
 * Hand-written shapes of the few DigitalOcean API v2 payloads we read (see the official
 * OpenAPI spec). Only the members the code uses; everything is optional where the API is
 * known to leave it out, so a missing field is handled instead of crashing.
 */

/** One `networks.v4` entry; the public one is found by `type`, never by position. */
export interface DoNetworkV4 {
  ip_address: string;
  type: 'public' | 'private' | string;
}

export interface DoDroplet {
  id: number;
  name: string;
  status: 'new' | 'active' | 'off' | 'archive';
  created_at: string;
  locked?: boolean;
  tags?: string[] | null;
  networks?: { v4?: DoNetworkV4[] | null } | null;
  /** The region it runs in (`region.slug`: nyc3, ams3, …). */
  region?: { slug?: string } | null;
}

/** `links` of a paged collection: absolute URLs, and only the keys that make sense. */
export interface DoLinks {
  pages?: { first?: string; prev?: string; next?: string; last?: string };
}

export interface DoAccount {
  droplet_limit: number;
  status: 'active' | 'warning' | 'locked' | string;
  status_message?: string;
  email?: string;
}

export interface DoRegion {
  slug: string;
  name: string;
  available: boolean;
  sizes?: string[];
}

export interface DoSize {
  slug: string;
  disk: number;
  available: boolean;
  regions: string[];
}

export interface DoImage {
  id: number;
  name: string;
  slug?: string | null;
  regions: string[];
  min_disk_size?: number | null;
  status?: string;
  type?: string;
}

/** Body of `POST /v2/droplets` for one droplet. */
export interface DoCreateDropletBody {
  name: string;
  region: string;
  size: string;
  /** Numeric for private snapshots (they have no slug), a slug for public images. */
  image: number | string;
  tags: string[];
  user_data: string;
}
