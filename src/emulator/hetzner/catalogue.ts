/**
 * What the emulated Hetzner Cloud project can see: locations, server types (with prices per
 * location) and images. Location names, cities, countries and network zones are Hetzner's
 * (docs.hetzner.cloud, GET /v1/locations); ids, coordinates are approximate. Server type
 * names follow the API's own examples; their PRICES ARE PLACEHOLDERS of the documented shape
 * (strings, net and gross, per location), not Hetzner's price list: the provider reads
 * whatever GET /v1/server_types answers, and the real API has the real ones.
 */

export interface HzLocation {
  id: number;
  name: string;
  description: string;
  country: string;
  city: string;
  latitude: number;
  longitude: number;
  network_zone: string;
}

export const LOCATIONS: readonly HzLocation[] = [
  loc(1, 'fsn1', 'Falkenstein DC Park 1', 'DE', 'Falkenstein', 50.47612, 12.370071, 'eu-central'),
  loc(2, 'nbg1', 'Nuremberg DC Park 1', 'DE', 'Nuremberg', 49.452102, 11.076665, 'eu-central'),
  loc(3, 'hel1', 'Helsinki DC Park 1', 'FI', 'Helsinki', 60.169855, 24.938379, 'eu-central'),
  loc(4, 'ash', 'Ashburn, VA', 'US', 'Ashburn, VA', 39.045821, -77.487073, 'us-east'),
  loc(5, 'hil', 'Hillsboro, OR', 'US', 'Hillsboro, OR', 45.54222, -122.951924, 'us-west'),
  loc(6, 'sin', 'Singapore', 'SG', 'Singapore', 1.283333, 103.833333, 'ap-southeast'),
];

function loc(
  id: number,
  name: string,
  description: string,
  country: string,
  city: string,
  latitude: number,
  longitude: number,
  network_zone: string,
): HzLocation {
  return { id, name, description, country, city, latitude, longitude, network_zone };
}

export interface HzServerTypeFacts {
  id: number;
  name: string;
  cores: number;
  memory: number;
  disk: number;
  cpu_type: 'shared' | 'dedicated';
  architecture: 'x86' | 'arm';
  /** Placeholder hourly net price (EUR) in every location it is offered in. */
  hourlyNet: number;
  locations: readonly string[];
}

const EU = ['fsn1', 'nbg1', 'hel1'];
const ALL = LOCATIONS.map((l) => l.name);

export const SERVER_TYPES: readonly HzServerTypeFacts[] = [
  {
    id: 101,
    name: 'cx23',
    cores: 2,
    memory: 4,
    disk: 40,
    cpu_type: 'shared',
    architecture: 'x86',
    hourlyNet: 0.006,
    locations: EU,
  },
  {
    id: 102,
    name: 'cpx22',
    cores: 2,
    memory: 4,
    disk: 80,
    cpu_type: 'shared',
    architecture: 'x86',
    hourlyNet: 0.0112,
    locations: ALL,
  },
  {
    id: 103,
    name: 'cpx32',
    cores: 4,
    memory: 8,
    disk: 160,
    cpu_type: 'shared',
    architecture: 'x86',
    hourlyNet: 0.0192,
    locations: ALL,
  },
  {
    id: 104,
    name: 'cax11',
    cores: 2,
    memory: 4,
    disk: 40,
    cpu_type: 'shared',
    architecture: 'arm',
    hourlyNet: 0.0064,
    locations: ['fsn1', 'nbg1', 'hel1'],
  },
  {
    id: 105,
    name: 'ccx13',
    cores: 2,
    memory: 8,
    disk: 80,
    cpu_type: 'dedicated',
    architecture: 'x86',
    hourlyNet: 0.0224,
    locations: ALL,
  },
];

/** The placeholder monthly price is this many hours of the hourly one (a shape, not Hetzner's rule). */
export const PLACEHOLDER_MONTHLY_HOURS = 672;

export interface HzImageFacts {
  id: number;
  type: 'system' | 'snapshot';
  name: string | null;
  description: string;
  os_flavor: string;
  os_version: string | null;
  disk_size: number;
  architecture: 'x86' | 'arm';
}

/** The game's snapshot the tests and rehearsals use, and a few system images. */
export const SNAPSHOT_IMAGE_ID = 310_000_001;

export const IMAGES: readonly HzImageFacts[] = [
  {
    id: 161547269,
    type: 'system',
    name: 'ubuntu-24.04',
    description: 'Ubuntu 24.04',
    os_flavor: 'ubuntu',
    os_version: '24.04',
    disk_size: 5,
    architecture: 'x86',
  },
  {
    id: 114690387,
    type: 'system',
    name: 'debian-12',
    description: 'Debian 12',
    os_flavor: 'debian',
    os_version: '12',
    disk_size: 5,
    architecture: 'x86',
  },
  {
    id: SNAPSHOT_IMAGE_ID,
    type: 'snapshot',
    name: null,
    description: 'game-server snapshot',
    os_flavor: 'ubuntu',
    os_version: null,
    disk_size: 20,
    architecture: 'x86',
  },
];
