import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { findSize } from '../catalogue/sizes.js';
import type { EmulatorCore } from '../core.js';
import { createDroplets, deleteByTag, deleteDroplet } from '../droplet-ops.js';
import { MSG, notFound, unprocessable } from '../errors.js';
import { applyRegionFaults, dropConnection, sendServerFault } from '../faults.js';
import { baseUrl, numericId, pageRequest, queryOf, sendNoContent } from '../http-util.js';
import { paginate } from '../pagination.js';
import type { DropletRecord } from '../state/records.js';
import { hasTag } from '../state/tag-registry.js';
import { actionLink, dropletJson } from '../views.js';

type IdParams = { droplet_id: string };

/** Droplet create, read, list and delete (digitalocean-api.md §5). */
export function dropletRoutes(app: FastifyInstance, core: EmulatorCore): void {
  app.post('/v2/droplets', async (req, reply) => {
    if (await applyRegionFaults(core, namedRegion(req.body), req, reply)) return reply;
    const { plan, droplets, actions } = createDroplets(core, req.body);
    // The lost-create fault: the droplets exist, but the client never learns it.
    if (core.rng.chance(core.faultsFor(plan.region.slug).lostCreateRate)) {
      return core.rng.chance(0.5) ? dropConnection(req, reply) : sendServerFault(core, reply);
    }
    const links = { actions: actions.map((a) => actionLink(a, baseUrl(req), 'create')) };
    const body = plan.multi
      ? { droplets: droplets.map(dropletJson), links }
      : { droplet: dropletJson(droplets[0] as DropletRecord), links };
    return reply.code(202).send(body);
  });

  app.get('/v2/droplets', async (req) => {
    const list = filterDroplets(core.world.listed(core.nowMs()), queryOf(req));
    const page = paginate(list, pageRequest(req, '/v2/droplets'));
    return { droplets: page.items.map(dropletJson), links: page.links, meta: page.meta };
  });

  app.delete('/v2/droplets', async (req, reply) => {
    const tag = queryOf(req).get('tag_name');
    if (!tag) throw unprocessable(MSG.payloadInvalid);
    deleteByTag(core, tag);
    return sendNoContent(reply);
  });

  app.get<{ Params: IdParams }>('/v2/droplets/:droplet_id', async (req, reply) => {
    const d = visibleDroplet(core, req.params.droplet_id);
    if (await applyRegionFaults(core, d.regionSlug, req, reply)) return reply;
    return { droplet: dropletJson(d) };
  });

  app.delete<{ Params: IdParams }>('/v2/droplets/:droplet_id', async (req, reply) => {
    const id = numericId(req.params.droplet_id);
    const region = id === null ? null : (core.world.visible(id, core.nowMs())?.regionSlug ?? null);
    if (await applyRegionFaults(core, region, req, reply)) return reply;
    core.deletes.begin();
    try {
      let refused: Error | null = null;
      try {
        if (id === null) throw notFound();
        deleteDroplet(core, id);
      } catch (err) {
        refused = err as Error;
      }
      core.deletes.applied({ dropletId: id, status: refused ? 404 : 204, atMs: core.nowMs() });
      // The deleteHoldMs fault: done (or refused) now, but the caller hears it only later, if it still listens.
      const holdMs = core.faultsFor(region).deleteHoldMs;
      if (holdMs > 0 && !(await holdFor(core, holdMs))) return dropConnection(req, reply);
      if (refused) throw refused;
      return sendNoContent(reply);
    } finally {
      core.deletes.end();
    }
  });

  app.get<{ Params: IdParams }>('/v2/droplets/:droplet_id/snapshots', async (req) => {
    visibleDroplet(core, req.params.droplet_id);
    const page = paginate([], pageRequest(req, req.url.split('?')[0] ?? ''));
    return { snapshots: page.items, links: page.links, meta: page.meta };
  });
}

/** The exact region slug a create body names, if any (a prefix or none: no region's own faults). */
function namedRegion(body: unknown): string | null {
  const raw = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).region : undefined;
  return typeof raw === 'string' ? raw : null;
}

/** Waits `ms` real milliseconds; false when the emulator closed meanwhile. */
async function holdFor(core: EmulatorCore, ms: number): Promise<boolean> {
  try {
    await delay(ms, undefined, { signal: core.closedSignal });
    return true;
  } catch {
    return false;
  }
}

/** The droplet GET can see, or a 404. */
export function visibleDroplet(core: EmulatorCore, rawId: string): DropletRecord {
  const id = numericId(rawId);
  const d = id === null ? undefined : core.world.visible(id, core.nowMs());
  if (!d) throw notFound();
  return d;
}

/**
 * `tag_name` (case-insensitive), `name` (exact, case-insensitive) and `type` (GPU droplets
 * only with `type=gpus`, never by default). `tag_name` cannot be combined with the others.
 */
function filterDroplets(list: DropletRecord[], q: URLSearchParams): DropletRecord[] {
  const tag = q.get('tag_name');
  const name = q.get('name');
  const type = q.get('type');
  // Unverified: the spec forbids the combination but does not give the error.
  if (tag !== null && (name !== null || type !== null))
    throw unprocessable('tag_name can not be combined with name or type.');
  if (type !== null && type !== 'droplets' && type !== 'gpus') throw unprocessable(MSG.payloadInvalid);
  const gpus = type === 'gpus';
  return list.filter(
    (d) =>
      (tag === null || hasTag(d.tags, tag)) &&
      (name === null || d.name.toLowerCase() === name.toLowerCase()) &&
      Boolean(findSize(d.sizeSlug)?.gpu_info) === gpus,
  );
}
