import { findImage, type ImageEntry } from './catalogue/images.js';
import { REGIONS, findRegion, type RegionEntry } from './catalogue/regions.js';
import { findSize, type SizeEntry } from './catalogue/sizes.js';
import { MSG, badRequest, unprocessable } from './errors.js';
import type { RegionControls } from './region-controls.js';
import { isValidTagName } from './state/tag-registry.js';

const MAX_NAMES = 10;
const MAX_USER_DATA_BYTES = 64 * 1024;
const NAME_PATTERN = /^[a-zA-Z0-9]?[a-z0-9A-Z.-]*[a-z0-9A-Z]$/;

/** A create request that passed every check; what the world needs to make the droplets. */
export interface CreatePlan {
  names: string[];
  /** `names[]` was used: the response is `{droplets, links}`. */
  multi: boolean;
  size: SizeEntry;
  region: RegionEntry;
  image: ImageEntry;
  tags: string[];
  userData: string | null;
  features: string[];
  vpcUuid: string;
  ipv6: boolean;
}

type Body = Record<string, unknown>;

/**
 * Checks a `POST /v2/droplets` body the way DigitalOcean does, throwing a DoApiError with the
 * real 422 texts. The droplet limit is checked for the whole batch before anything is made.
 */
export function validateCreate(
  body: unknown,
  liveCount: number,
  dropletLimit: number,
  regions: RegionControls,
): CreatePlan {
  if (body === undefined || body === null) throw badRequest();
  if (typeof body !== 'object' || Array.isArray(body)) throw unprocessable(MSG.payloadInvalid);
  const b = body as Body;
  const { names, multi } = readNames(b);
  const size = typeof b.size === 'string' ? findSize(b.size) : invalidPayload();
  if (!size) throw unprocessable(MSG.invalidSize);
  const imageRef = typeof b.image === 'string' || typeof b.image === 'number' ? b.image : invalidPayload();
  const image = findImage(imageRef);
  if (!image) throw unprocessable(MSG.invalidImage);
  const region = chooseRegion(b.region, size, image, regions);
  if (!regions.offers(region, size)) throw unprocessable(MSG.sizeNotInRegion);
  if (!image.regions.includes(region.slug)) throw unprocessable(MSG.imageNotInRegion);
  // Unverified which text DO sends when the image needs a bigger disk; the invalid-size one is the closest real text.
  if (image.min_disk_size > size.disk) throw unprocessable(MSG.invalidSize);
  const plan: CreatePlan = {
    names,
    multi,
    size,
    region,
    image,
    tags: readTags(b.tags),
    userData: readUserData(b.user_data),
    features: readFeatures(b),
    vpcUuid: optionalString(b, 'vpc_uuid') ?? defaultVpcUuid(region),
    ipv6: optionalBool(b, 'ipv6'),
  };
  if (liveCount + names.length > dropletLimit) throw unprocessable(MSG.dropletLimit);
  return plan;
}

function readNames(b: Body): { names: string[]; multi: boolean } {
  let names: string[];
  const multi = b.names !== undefined;
  if (multi) {
    if (!Array.isArray(b.names) || b.names.length === 0) throw unprocessable(MSG.payloadInvalid);
    if (b.names.length > MAX_NAMES) throw unprocessable(MSG.tooManyNames);
    names = b.names.map((n) => (typeof n === 'string' ? n : invalidPayload()));
  } else {
    names = [typeof b.name === 'string' ? b.name : invalidPayload()];
  }
  for (const name of names) {
    if (name.length > 255 || !NAME_PATTERN.test(name)) throw unprocessable(MSG.invalidName);
  }
  return { names, multi };
}

/**
 * A region slug, a prefix (`nyc` → the first open nyc region that offers size and image), or
 * nothing (any open region that does).
 */
function chooseRegion(raw: unknown, size: SizeEntry, image: ImageEntry, regions: RegionControls): RegionEntry {
  if (raw !== undefined && typeof raw !== 'string') invalidPayload();
  const fits = (r: RegionEntry): boolean => regions.offers(r, size) && image.regions.includes(r.slug);
  if (raw === undefined || raw === '') {
    const any = REGIONS.find(fits);
    if (!any) throw unprocessable(MSG.sizeNotInRegion);
    return any;
  }
  const exact = findRegion(raw);
  if (exact) {
    if (!regions.isOpen(exact)) throw unprocessable(MSG.invalidRegion);
    return exact;
  }
  const byPrefix = REGIONS.filter((r) => regions.isOpen(r) && r.slug.startsWith(raw));
  if (byPrefix.length === 0) throw unprocessable(MSG.invalidRegion);
  return byPrefix.find(fits) ?? (byPrefix[0] as RegionEntry);
}

function readTags(raw: unknown): string[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw) || !raw.every(isValidTagName)) throw unprocessable(MSG.payloadInvalid);
  return [...new Set(raw)];
}

function readUserData(raw: unknown): string | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== 'string') invalidPayload();
  if (Buffer.byteLength(raw, 'utf8') > MAX_USER_DATA_BYTES) throw unprocessable(MSG.userDataTooLarge);
  return raw;
}

/** The droplet's `features`, from what was asked for; every droplet sits in a VPC. */
function readFeatures(b: Body): string[] {
  const features: string[] = [];
  if (optionalBool(b, 'backups')) features.push('backups');
  if (b.with_droplet_agent !== false) features.push('droplet_agent');
  features.push('private_networking');
  if (optionalBool(b, 'ipv6')) features.push('ipv6');
  if (optionalBool(b, 'monitoring')) features.push('monitoring');
  return features;
}

function optionalBool(b: Body, key: string): boolean {
  const v = b[key];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') invalidPayload();
  return v;
}

function optionalString(b: Body, key: string): string | undefined {
  const v = b[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') invalidPayload();
  return v;
}

function invalidPayload(): never {
  throw unprocessable(MSG.payloadInvalid);
}

/** Each region's default VPC; nyc3's is the one in the spec examples. */
export function defaultVpcUuid(region: RegionEntry): string {
  if (region.slug === 'nyc3') return '760e09ef-dc84-11e8-981e-3cfdfeaae000';
  const index = REGIONS.indexOf(region) + 1;
  return `5a4981aa-9653-4bd1-bef5-${index.toString(16).padStart(12, '0')}`;
}
