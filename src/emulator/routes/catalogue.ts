import type { FastifyInstance } from 'fastify';
import { IMAGES, findImage, imageJson, snapshotJson, type ImageEntry } from '../catalogue/images.js';
import { REGIONS, regionJson } from '../catalogue/regions.js';
import { SIZES, sizeJson } from '../catalogue/sizes.js';
import type { EmulatorCore } from '../core.js';
import { MSG, notFound, unprocessable } from '../errors.js';
import { pageRequest, queryOf } from '../http-util.js';
import { paginate } from '../pagination.js';

/** The read-only catalogue: regions, sizes, images, snapshots, account (§7, §8). */
export function catalogueRoutes(app: FastifyInstance, core: EmulatorCore): void {
  app.get('/v2/regions', async (req) => {
    const page = paginate(REGIONS, pageRequest(req, '/v2/regions'));
    const regions = page.items.map((r) => regionJson(core.regions.regionView(r)));
    return { regions, links: page.links, meta: page.meta };
  });

  app.get('/v2/sizes', async (req) => {
    const page = paginate(SIZES, pageRequest(req, '/v2/sizes'));
    const sizes = page.items.map((s) => sizeJson(core.regions.sizeView(s)));
    return { sizes, links: page.links, meta: page.meta };
  });

  app.get('/v2/images', async (req) => {
    const page = paginate(filterImages(queryOf(req)), pageRequest(req, '/v2/images'));
    return { images: page.items.map(imageJson), links: page.links, meta: page.meta };
  });

  app.get<{ Params: { image_id: string } }>('/v2/images/:image_id', async (req) => {
    const image = findImage(req.params.image_id);
    if (!image) throw notFound();
    return { image: imageJson(image) };
  });

  app.get('/v2/snapshots', async (req) => {
    const type = queryOf(req).get('resource_type');
    if (type !== null && type !== 'droplet' && type !== 'volume') throw unprocessable(MSG.payloadInvalid);
    // The emulator has no volumes, so every snapshot is a droplet snapshot.
    const all = type === 'volume' ? [] : IMAGES.filter((i) => i.kind === 'private');
    const page = paginate(all, pageRequest(req, '/v2/snapshots'));
    return { snapshots: page.items.map(snapshotJson), links: page.links, meta: page.meta };
  });

  app.get<{ Params: { snapshot_id: string } }>('/v2/snapshots/:snapshot_id', async (req) => {
    const image = IMAGES.find((i) => i.kind === 'private' && String(i.id) === req.params.snapshot_id);
    if (!image) throw notFound();
    return { snapshot: snapshotJson(image) };
  });

  app.get('/v2/account', async () => ({ account: accountJson(core.opts.dropletLimit) }));

  app.get('/v2/account/keys', async (req) => {
    const page = paginate([], pageRequest(req, '/v2/account/keys'));
    return { ssh_keys: page.items, links: page.links, meta: page.meta };
  });
}

/** `private=true` (own images only), `type=distribution|application`, `tag_name`. */
function filterImages(q: URLSearchParams): ImageEntry[] {
  const type = q.get('type');
  const tag = q.get('tag_name');
  const privateOnly = q.get('private') === 'true';
  if (type !== null && type !== 'distribution' && type !== 'application') throw unprocessable(MSG.payloadInvalid);
  return IMAGES.filter(
    (i) =>
      (!privateOnly || i.kind === 'private') &&
      (type === null || i.kind === type) &&
      (tag === null || i.tags.includes(tag)),
  );
}

/** The spec's account example with the configured droplet limit. */
function accountJson(dropletLimit: number): Record<string, unknown> {
  return {
    droplet_limit: dropletLimit,
    floating_ip_limit: 5,
    email: 'sammy@digitalocean.com',
    name: 'Sammy the Shark',
    uuid: 'b6fr89dbf6d9156cace5f3c78dc9851d957381ef',
    email_verified: true,
    status: 'active',
    status_message: ' ',
    team: { uuid: '5df3e3004a17e242b7c20ca6c9fc25b701a47ece', name: 'My Team' },
  };
}
