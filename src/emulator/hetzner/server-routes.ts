import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { dropConnection } from '../faults.js';
import { queryOf } from '../http-util.js';
import type { HetznerCore } from './core.js';
import { HzApiError, hzInvalid, hzNotFound, sendHzServerFault } from './http.js';
import { parseLabelSelector, validLabelKey, validLabelValue } from './labels.js';
import { actionView, imageNamed, locationNamed, pageOf, serverTypeNamed, serverView } from './views.js';
import type { HzServerRecord } from './world.js';

/** Hetzner limits user_data to 32 KiB (create_server_request.user_data). */
const MAX_USER_DATA_BYTES = 32 * 1024;
/** RFC 1123 hostnames: letters, digits, dots and dashes. */
const HOSTNAME =
  /^(?=.{1,253}$)[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

/** Servers: list (filters, pages), create (action model, name uniqueness, limit), get, delete. */
export function serverRoutes(app: FastifyInstance, core: HetznerCore): void {
  app.get('/v1/servers', async (req) => {
    const q = queryOf(req);
    let servers = core.world.listed(core.nowMs());
    const name = q.get('name');
    if (name !== null) servers = servers.filter((s) => s.name === name);
    const selector = q.get('label_selector');
    if (selector !== null) {
      const matches = parseLabelSelector(selector);
      if (!matches) throw hzInvalid(`invalid label_selector: ${selector}`);
      servers = servers.filter((s) => matches(s.labels));
    }
    const statuses = q.getAll('status');
    if (statuses.length > 0) servers = servers.filter((s) => statuses.includes(s.status));
    const page = pageOf(servers, q);
    return { servers: page.items.map(serverView), meta: page.meta };
  });

  app.post('/v1/servers', async (req, reply) => {
    const body = readCreate(req.body);
    const now = core.nowMs();
    if (core.world.named(body.name)) throw new HzApiError(409, 'uniqueness_error', 'server name is already used');
    if (core.world.liveCount() >= core.opts.serverLimit)
      throw new HzApiError(403, 'resource_limit_exceeded', 'server limit exceeded');
    const faults = core.faults();
    const addresses = core.world.nextAddresses();
    const server: HzServerRecord = {
      id: core.world.nextServerId(),
      name: body.name,
      status: 'initializing',
      createdAtMs: now,
      location: body.location,
      serverType: body.serverType,
      image: body.image,
      labels: body.labels,
      userData: body.userData,
      ipv4: addresses.ipv4,
      ipv6: addresses.ipv6,
      listedFromMs: now + faults.listLagMs,
      deletedAtMs: null,
      goneAtMs: null,
    };
    core.world.servers.set(server.id, server);
    const action = core.world.addAction('create_server', server.id, now);
    const start = core.world.addAction('start_server', server.id, now);
    core.boot(server, [action.id, start.id]);
    // A lost create: made, and the answer never arrives (a dropped connection or a 5xx).
    if (core.rng.chance(faults.lostCreateRate)) return lose(core, req, reply);
    return reply.code(201).send({
      server: serverView(server),
      action: actionView(action),
      next_actions: [actionView(start)],
      root_password: null,
    });
  });

  app.get<{ Params: { id: string } }>('/v1/servers/:id', async (req) => {
    const s = core.world.visible(idOf(req.params.id), core.nowMs());
    if (!s) throw hzNotFound();
    return { server: serverView(s) };
  });

  app.delete<{ Params: { id: string } }>('/v1/servers/:id', async (req) => {
    const now = core.nowMs();
    const s = core.world.visible(idOf(req.params.id), now);
    if (!s) throw hzNotFound();
    const lag = core.faults().deleteLagMs;
    const action = core.world.addAction('delete_server', s.id, now);
    core.world.markDeleted(s, now, lag);
    core.finishLater(action.id, lag);
    return { action: actionView(action) };
  });

  app.get<{ Params: { id: string } }>('/v1/actions/:id', async (req) => {
    const a = core.world.actions.get(idOf(req.params.id));
    if (!a) throw hzNotFound();
    return { action: actionView(a) };
  });
}

function lose(core: HetznerCore, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  return core.rng.chance(0.5) ? dropConnection(req, reply) : sendHzServerFault(core, reply);
}

/** A path id: a positive integer, else one that cannot exist (404, as the API answers). */
function idOf(raw: string): number {
  return /^\d{1,15}$/.test(raw) ? Number(raw) : -1;
}

interface CreateRequest {
  name: string;
  serverType: NonNullable<ReturnType<typeof serverTypeNamed>>;
  image: NonNullable<ReturnType<typeof imageNamed>>;
  location: NonNullable<ReturnType<typeof locationNamed>>;
  labels: Record<string, string>;
  userData: string | null;
}

/** Validates a create body the way the API does: 400 invalid_input naming the field. */
function readCreate(raw: unknown): CreateRequest {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw hzInvalid('invalid input: body must be an object');
  const b = raw as Record<string, unknown>;
  const str = (k: string): string | null => (typeof b[k] === 'string' ? b[k] : null);
  const name = str('name');
  if (!name || !HOSTNAME.test(name)) throw hzInvalid("invalid input in field 'name'");
  const typeRef = typeof b.server_type === 'number' ? String(b.server_type) : str('server_type');
  const serverType = typeRef === null ? undefined : serverTypeNamed(typeRef);
  if (!serverType) throw hzInvalid("invalid input in field 'server_type'");
  const imageRef = typeof b.image === 'number' ? String(b.image) : str('image');
  const image = imageRef === null ? undefined : imageNamed(imageRef);
  if (!image) throw hzInvalid("invalid input in field 'image'");
  const location = locationNamed(str('location') ?? serverType.locations[0] ?? 'fsn1');
  if (!location) throw hzInvalid("invalid input in field 'location'");
  if (!serverType.locations.includes(location.name))
    throw new HzApiError(
      412,
      'resource_unavailable',
      `server type ${serverType.name} is unavailable in ${location.name}`,
    );
  const labels = b.labels ?? {};
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels))
    throw hzInvalid("invalid input in field 'labels'");
  for (const [k, v] of Object.entries(labels)) {
    if (!validLabelKey(k) || typeof v !== 'string' || !validLabelValue(v))
      throw hzInvalid("invalid input in field 'labels'");
  }
  const userData = b.user_data === undefined || b.user_data === null ? null : str('user_data');
  if (b.user_data !== undefined && b.user_data !== null && userData === null)
    throw hzInvalid("invalid input in field 'user_data'");
  if (userData !== null && Buffer.byteLength(userData, 'utf8') > MAX_USER_DATA_BYTES)
    throw hzInvalid("invalid input in field 'user_data': is limited to 32KiB");
  return { name, serverType, image, location, labels: { ...(labels as Record<string, string>) }, userData };
}
