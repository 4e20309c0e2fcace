import { REGIONS } from './regions.js';

/** Which `/v2/images` filter an image answers to. */
export type ImageKind = 'distribution' | 'application' | 'private';

/** An image as `/v2/images` shows it, plus its kind and (for snapshots) the droplet it came from. */
export interface ImageEntry {
  readonly id: number;
  readonly name: string;
  readonly distribution: string;
  /** Null for private images: they can only be named by id. */
  readonly slug: string | null;
  readonly public: boolean;
  readonly regions: readonly string[];
  readonly created_at: string;
  readonly type: 'base' | 'snapshot' | 'backup' | 'custom' | 'admin';
  readonly min_disk_size: number;
  readonly size_gigabytes: number;
  readonly description: string;
  readonly tags: readonly string[];
  readonly status: 'available';
  readonly error_message: string;
  readonly kind: ImageKind;
  /** The droplet a snapshot was taken from (`/v2/snapshots` resource_id). */
  readonly sourceDropletId?: string;
}

const OPEN_REGIONS = REGIONS.filter((r) => r.available).map((r) => r.slug);

type PublicRow = readonly [
  id: number,
  slug: string,
  name: string,
  distribution: string,
  createdAt: string,
  minDiskGb: number,
  sizeGb: number,
  kind: ImageKind,
];

/** Public images by slug; 63663980 is the spec example's ubuntu-20-04-x64. */
const PUBLIC_ROWS: readonly PublicRow[] = [
  [63663980, 'ubuntu-20-04-x64', '20.04 (LTS) x64', 'Ubuntu', '2020-05-15T05:47:50Z', 20, 2.36, 'distribution'],
  [129211873, 'ubuntu-22-04-x64', '22.04 (LTS) x64', 'Ubuntu', '2023-03-30T18:45:05Z', 7, 2.71, 'distribution'],
  [155133621, 'ubuntu-24-04-x64', '24.04 (LTS) x64', 'Ubuntu', '2024-04-24T14:31:26Z', 7, 2.45, 'distribution'],
  [135302398, 'debian-12-x64', '12 x64', 'Debian', '2023-06-12T13:14:36Z', 7, 0.87, 'distribution'],
  [169811004, 'fedora-41-x64', '41 x64', 'Fedora', '2024-11-05T19:42:16Z', 7, 1.38, 'distribution'],
  [139327925, 'rockylinux-9-x64', '9 x64', 'Rocky Linux', '2023-08-25T15:57:07Z', 10, 1.21, 'distribution'],
  [144187226, 'docker-20-04', 'Docker on Ubuntu 22.04', 'Ubuntu', '2023-11-20T21:04:11Z', 25, 3.49, 'application'],
];

function publicImage([
  id,
  slug,
  name,
  distribution,
  created_at,
  min_disk_size,
  size_gigabytes,
  kind,
]: PublicRow): ImageEntry {
  return {
    id,
    name,
    distribution,
    slug,
    public: true,
    regions: OPEN_REGIONS,
    created_at,
    type: kind === 'application' ? 'snapshot' : 'base',
    min_disk_size,
    size_gigabytes,
    description: '',
    tags: [],
    status: 'available',
    error_message: '',
    kind,
  };
}

/** The account's own snapshots, from the spec's images_snapshots example. */
const PRIVATE_IMAGES: readonly ImageEntry[] = [
  {
    id: 7555620,
    name: 'Nifty New Snapshot',
    distribution: 'Ubuntu',
    slug: null,
    public: false,
    regions: ['nyc2', 'nyc3'],
    created_at: '2014-11-04T22:23:02Z',
    type: 'snapshot',
    min_disk_size: 20,
    size_gigabytes: 2.34,
    description: '',
    tags: [],
    status: 'available',
    error_message: '',
    kind: 'private',
    sourceDropletId: '200776916',
  },
  {
    id: 7555621,
    name: 'Another Snapshot',
    distribution: 'Ubuntu',
    slug: null,
    public: false,
    regions: ['nyc2'],
    created_at: '2014-11-04T22:23:02Z',
    type: 'snapshot',
    min_disk_size: 20,
    size_gigabytes: 2.34,
    description: '',
    tags: [],
    status: 'available',
    error_message: '',
    kind: 'private',
    sourceDropletId: '200776917',
  },
];

export const IMAGES: readonly ImageEntry[] = [...PUBLIC_ROWS.map(publicImage), ...PRIVATE_IMAGES];

/**
 * Resolves what a client sent as `image`: a numeric id finds any image; a slug finds only
 * public images (private ones have no slug and must be named by id).
 */
export function findImage(ref: number | string): ImageEntry | undefined {
  const asId = typeof ref === 'number' ? ref : /^\d+$/.test(ref) ? Number(ref) : null;
  if (asId !== null) return IMAGES.find((i) => i.id === asId);
  return IMAGES.find((i) => i.public && i.slug === ref);
}

/** Image JSON without the emulator's private fields. */
export function imageJson(image: ImageEntry): Record<string, unknown> {
  const { kind: _kind, sourceDropletId: _source, ...json } = image;
  return { ...json, regions: [...json.regions], tags: [...json.tags] };
}

/** A private snapshot as `/v2/snapshots` shows it: ids are strings there. */
export function snapshotJson(image: ImageEntry): Record<string, unknown> {
  return {
    id: String(image.id),
    name: image.name,
    created_at: image.created_at,
    regions: [...image.regions],
    resource_id: image.sourceDropletId ?? '0',
    resource_type: 'droplet',
    min_disk_size: image.min_disk_size,
    size_gigabytes: image.size_gigabytes,
    tags: [...image.tags],
  };
}
