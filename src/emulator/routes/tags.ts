import type { FastifyInstance, FastifyReply } from 'fastify';
import type { EmulatorCore } from '../core.js';
import { MSG, notFound, unprocessable } from '../errors.js';
import { JSON_TYPE, baseUrl, numericId, pageRequest, sendNoContent } from '../http-util.js';
import { paginate } from '../pagination.js';
import type { DropletRecord } from '../state/records.js';
import { hasTag, isValidTagName } from '../state/tag-registry.js';

type TagParams = { tag_id: string };

/** Tags and tag resources (§9). Droplet create makes tags too, so these are mostly for reading. */
export function tagRoutes(app: FastifyInstance, core: EmulatorCore): void {
  app.get('/v2/tags', async (req) => {
    const page = paginate(core.world.tags.list(), pageRequest(req, '/v2/tags'));
    return { tags: page.items.map((t) => tagJson(core, t, baseUrl(req))), links: page.links, meta: page.meta };
  });

  app.post('/v2/tags', async (req, reply) => {
    const name = (req.body as { name?: unknown } | undefined)?.name;
    if (!isValidTagName(name)) return sendTagBadRequest(reply, String(name ?? ''));
    return reply.code(201).send({ tag: tagJson(core, core.world.tags.ensure(name), baseUrl(req)) });
  });

  app.get<{ Params: TagParams }>('/v2/tags/:tag_id', async (req) => {
    return { tag: tagJson(core, existingTag(core, req.params.tag_id), baseUrl(req)) };
  });

  app.delete<{ Params: TagParams }>('/v2/tags/:tag_id', async (req, reply) => {
    const tag = existingTag(core, req.params.tag_id);
    for (const d of core.world.droplets.values()) d.tags = d.tags.filter((t) => t !== tag);
    core.world.tags.delete(tag);
    return sendNoContent(reply);
  });

  app.post<{ Params: TagParams }>('/v2/tags/:tag_id/resources', async (req, reply) => {
    const tag = existingTag(core, req.params.tag_id);
    for (const d of resourceDroplets(core, req.body)) if (!hasTag(d.tags, tag)) d.tags.push(tag);
    return sendNoContent(reply);
  });

  app.delete<{ Params: TagParams }>('/v2/tags/:tag_id/resources', async (req, reply) => {
    const tag = existingTag(core, req.params.tag_id);
    for (const d of resourceDroplets(core, req.body)) d.tags = d.tags.filter((t) => t !== tag);
    return sendNoContent(reply);
  });
}

/** Tagging with a tag that does not exist is a 404 (packer-plugin#168). */
function existingTag(core: EmulatorCore, raw: string): string {
  const tag = core.world.tags.get(raw);
  if (tag === undefined) throw notFound();
  return tag;
}

/** The droplets named in `{resources:[{resource_id, resource_type:"droplet"}]}`; all must exist. */
function resourceDroplets(core: EmulatorCore, body: unknown): DropletRecord[] {
  const resources = (body as { resources?: unknown } | undefined)?.resources;
  if (!Array.isArray(resources) || resources.length === 0) throw unprocessable(MSG.payloadInvalid);
  return resources.map((r: { resource_id?: unknown; resource_type?: unknown }) => {
    if (r?.resource_type !== 'droplet') throw unprocessable(MSG.payloadInvalid);
    const id = numericId(String(r.resource_id ?? ''));
    const d = id === null ? undefined : core.world.live(id);
    if (!d) throw notFound();
    return d;
  });
}

function tagJson(core: EmulatorCore, name: string, base: string): Record<string, unknown> {
  const droplets = core.world.visibleWithTag(name, core.nowMs());
  const last = droplets[droplets.length - 1];
  const lastUri = last ? { last_tagged_uri: `${base}/v2/droplets/${last.id}` } : {};
  return {
    name,
    resources: {
      count: droplets.length,
      ...lastUri,
      droplets: { count: droplets.length, ...lastUri },
      images: { count: 0 },
      volumes: { count: 0 },
      volume_snapshots: { count: 0 },
      databases: { count: 0 },
    },
  };
}

/** `/v2/tags` has its own 400 shape (spec `error_with_root_causes`). */
function sendTagBadRequest(reply: FastifyReply, name: string): FastifyReply {
  const error = `Error validating resource tag: "tag-name \\"${name}\\" contains invalid characters"`;
  return reply
    .code(400)
    .type(JSON_TYPE)
    .send({ error, messages: null, root_causes: [`rpc error: code = InvalidArgument desc = ${error}`] });
}
