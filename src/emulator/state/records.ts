/** Droplet status values of the API. */
export type DropletStatus = 'new' | 'active' | 'off' | 'archive';

export interface NetworkV4 {
  ip_address: string;
  netmask: string;
  /** "" for private interfaces, as real payloads show. */
  gateway: string;
  type: 'public' | 'private';
}

export interface NetworkV6 {
  ip_address: string;
  netmask: number;
  gateway: string;
  type: 'public';
}

/** One droplet as the emulator keeps it (mutable, internal). */
export interface DropletRecord {
  id: number;
  name: string;
  status: DropletStatus;
  locked: boolean;
  sizeSlug: string;
  regionSlug: string;
  imageId: number;
  tags: string[];
  features: string[];
  vpcUuid: string;
  userData: string | null;
  ipv6: boolean;
  v4: NetworkV4[];
  v6: NetworkV6[];
  createdAtMs: number;
  activeAtMs: number | null;
  /** Lists leave it out until this time (the list-lag fault). */
  listedFromMs: number;
  deletedAtMs: number | null;
  /** GET and lists still show it, as before the delete, until this time (the delete-lag fault). */
  goneAtMs: number | null;
  /** The create action turned `errored` and the droplet vanished. */
  createErrored: boolean;
}

/** One action (create, power_off...). */
export interface ActionRecord {
  id: number;
  status: 'in-progress' | 'completed' | 'errored';
  type: string;
  startedAtMs: number;
  completedAtMs: number | null;
  resourceId: number;
  regionSlug: string;
}

/** A droplet as tests see it through `RunningEmulator.droplets()` and `/_emulator/state`. */
export interface EmulatedDroplet {
  id: number;
  name: string;
  status: DropletStatus;
  locked: boolean;
  region: string;
  size: string;
  image: number;
  tags: string[];
  publicIpv4: string | null;
  privateIpv4: string | null;
  /** The cloud-init text the droplet was created with. */
  userData: string | null;
  createdAtMs: number;
  /** When it became active; null while booting or when the create failed. */
  activeAtMs: number | null;
  /** When DELETE (or a failed create) removed it; null while it exists. */
  deletedAtMs: number | null;
  /** The create failed after the 202 (createErrorRate fault). */
  createErrored: boolean;
}

/** A detached copy of a record for tests. */
export function toEmulated(d: DropletRecord): EmulatedDroplet {
  return {
    id: d.id,
    name: d.name,
    status: d.status,
    locked: d.locked,
    region: d.regionSlug,
    size: d.sizeSlug,
    image: d.imageId,
    tags: [...d.tags],
    publicIpv4: d.v4.find((n) => n.type === 'public')?.ip_address ?? null,
    privateIpv4: d.v4.find((n) => n.type === 'private')?.ip_address ?? null,
    userData: d.userData,
    createdAtMs: d.createdAtMs,
    activeAtMs: d.activeAtMs,
    deletedAtMs: d.deletedAtMs,
    createErrored: d.createErrored,
  };
}
