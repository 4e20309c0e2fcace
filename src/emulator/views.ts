import { findImage, imageJson } from './catalogue/images.js';
import { findRegion, regionJson } from './catalogue/regions.js';
import { findSize, sizeJson } from './catalogue/sizes.js';
import type { ActionRecord, DropletRecord } from './state/records.js';

/** DO timestamps: ISO 8601 in UTC, whole seconds ("2020-07-21T18:37:44Z"). */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** The droplet object of the API, shaped like the spec's `droplet` schema. */
export function dropletJson(d: DropletRecord): Record<string, unknown> {
  const size = findSize(d.sizeSlug);
  const image = findImage(d.imageId);
  const region = findRegion(d.regionSlug);
  if (!size || !image || !region) throw new Error(`droplet ${d.id} refers to a missing catalogue entry`);
  const json: Record<string, unknown> = {
    id: d.id,
    name: d.name,
    memory: size.memory,
    vcpus: size.vcpus,
    disk: size.disk,
    disk_info: structuredClone(size.disk_info),
    locked: d.locked,
    status: d.status,
    kernel: null,
    created_at: isoSeconds(d.createdAtMs),
    features: [...d.features],
    backup_ids: [],
    next_backup_window: null,
    snapshot_ids: [],
    image: imageJson(image),
    volume_ids: [],
    size: sizeJson(size),
    size_slug: size.slug,
    networks: { v4: d.v4.map((n) => ({ ...n })), v6: d.v6.map((n) => ({ ...n })) },
    region: regionJson(region),
    tags: [...d.tags],
    vpc_uuid: d.vpcUuid,
  };
  if (size.gpu_info) json.gpu_info = structuredClone(size.gpu_info);
  return json;
}

/** The action object; `region` is embedded like the real payloads do. */
export function actionJson(a: ActionRecord): Record<string, unknown> {
  const region = findRegion(a.regionSlug);
  return {
    id: a.id,
    status: a.status,
    type: a.type,
    started_at: isoSeconds(a.startedAtMs),
    completed_at: a.completedAtMs === null ? null : isoSeconds(a.completedAtMs),
    resource_id: a.resourceId,
    resource_type: 'droplet',
    ...(region ? { region: regionJson(region) } : {}),
    region_slug: a.regionSlug,
  };
}

/** `links.actions[]` entry of a create response. */
export function actionLink(a: ActionRecord, baseUrl: string, rel: string): Record<string, unknown> {
  return { id: a.id, rel, href: `${baseUrl}/v2/actions/${a.id}` };
}
