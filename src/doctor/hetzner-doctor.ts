import type { Logger } from 'pino';
import type { DoClient } from '../providers/digitalocean/do-client.js';
import { listAll } from '../providers/digitalocean/paginate.js';
import { HZ_PAGER } from '../providers/hetzner/hz-server.js';
import { ProviderError } from '../providers/provider.js';
import type { Clock } from '../util/clock.js';
import type { DoctorCheck } from './doctor-checks.js';
import { withDoctorClient, type DoctorReport } from './doctor.js';

/** What the doctor checks with PROVIDER=hetzner. */
export interface HetznerDoctorOptions {
  token: string | null;
  /** API base without `/v1`. */
  apiUrl: string;
  location: string;
  serverType: string;
  image: string | null;
  requestTimeoutMs: number;
  clock?: Clock;
  logger?: Logger;
}

interface Location {
  name: string;
  city?: string;
}
interface ServerType {
  name: string;
  disk: number;
  architecture?: string;
  deprecated?: boolean | null;
  locations?: { name: string }[];
  prices?: { location: string }[];
}
interface Image {
  id: number;
  name: string | null;
  description?: string;
  type: string;
  status: string;
  disk_size: number;
  architecture?: string;
}

const pass = (name: string, detail: string): DoctorCheck => ({ name, ok: true, detail });
const fail = (name: string, detail: string, fix: string): DoctorCheck => ({ name, ok: false, detail, fix });
const some = (names: readonly string[]): string => names.join(', ') || '(none)';

/**
 * Checks the Hetzner settings before the service relies on them: the token (a read of the
 * project's servers), the location, the server type (offered there) and the image (available,
 * same architecture, fits the type's disk). Read-only; never throws for an API failure.
 */
export async function runHetznerDoctor(opts: HetznerDoctorOptions): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [];
  if (!opts.token) {
    checks.push(fail('token', 'HCLOUD_TOKEN is not set', "set HCLOUD_TOKEN to a project's Read & Write API token"));
    return { ok: false, checks };
  }
  const token = opts.token;
  await withDoctorClient(
    { ...opts, token },
    { label: 'hetzner', budget: { perHour: 3600, perMinute: 3600, refillPerS: 1 } },
    (client) => runChecks(client, opts, checks),
  );
  return { ok: checks.every((c) => c.ok), checks };
}

async function runChecks(client: DoClient, opts: HetznerDoctorOptions, checks: DoctorCheck[]): Promise<void> {
  try {
    await client.request({ method: 'GET', path: '/v1/servers', query: { per_page: 1 }, priority: 'read' });
  } catch (err) {
    const status = err instanceof ProviderError ? err.opts.status : undefined;
    const message = err instanceof Error ? err.message : String(err);
    checks.push(
      status === 401 || status === 403
        ? fail(
            'token',
            `token rejected: ${message}`,
            'create a Read & Write API token in the project (Security → API Tokens)',
          )
        : fail(
            'token',
            `cannot reach ${opts.apiUrl}: ${message}`,
            'check HCLOUD_API_URL and that this host reaches it over HTTPS',
          ),
    );
    return;
  }
  checks.push(pass('token', "reads the project's servers (a read-only token would be refused at the first create)"));
  const [locations, types, image] = await Promise.allSettled([
    listAll<Location>(client, '/v1/locations', 'locations', {}, 'read', HZ_PAGER),
    listAll<ServerType>(client, '/v1/server_types', 'server_types', {}, 'read', HZ_PAGER),
    fetchImage(client, opts.image),
  ]);
  const unavailable = (name: string, reason: unknown): DoctorCheck =>
    fail(name, `could not check: ${reason instanceof Error ? reason.message : String(reason)}`, 'run doctor again');
  if (locations.status === 'rejected') checks.push(unavailable('location', locations.reason));
  else {
    const l = locations.value.find((x) => x.name === opts.location);
    checks.push(
      l
        ? pass('location', `${l.name}${l.city ? ` (${l.city})` : ''}`)
        : fail(
            'location',
            `unknown location "${opts.location}"`,
            `set HCLOUD_LOCATION to one of: ${some(locations.value.map((x) => x.name))}`,
          ),
    );
  }
  const type = types.status === 'fulfilled' ? types.value.find((t) => t.name === opts.serverType) : undefined;
  if (types.status === 'rejected') checks.push(unavailable('server type', types.reason));
  else checks.push(checkServerType(types.value, type, opts));
  if (image.status === 'rejected') checks.push(unavailable('image', image.reason));
  else checks.push(...checkImage(image.value, type, opts.image));
}

function checkServerType(
  all: readonly ServerType[],
  t: ServerType | undefined,
  opts: HetznerDoctorOptions,
): DoctorCheck {
  const offered = (x: ServerType): boolean =>
    (x.locations ?? x.prices?.map((p) => ({ name: p.location })) ?? []).some((l) => l.name === opts.location);
  const choose = `set HCLOUD_SERVER_TYPE to one offered in ${opts.location}: ${some(all.filter((x) => offered(x) && !x.deprecated).map((x) => x.name))}`;
  if (!t) return fail('server type', `unknown server type "${opts.serverType}"`, choose);
  if (t.deprecated) return fail('server type', `${t.name} is deprecated`, choose);
  if (!offered(t)) return fail('server type', `${t.name} is not offered in ${opts.location}`, choose);
  return pass('server type', `${t.name} (${t.disk} GB disk) is offered in ${opts.location}`);
}

function checkImage(image: Image | null, type: ServerType | undefined, ref: string | null): DoctorCheck[] {
  if (!image) {
    return [
      fail(
        'image',
        ref ? `no image "${ref}" visible to this token` : 'HCLOUD_IMAGE is not set',
        "set HCLOUD_IMAGE to the numeric id of one of the project's snapshots (GET /v1/images?type=snapshot)",
      ),
    ];
  }
  const label = `${image.type} ${image.id}${image.name ? ` "${image.name}"` : ''}`;
  if (image.status !== 'available')
    return [
      fail('image', `${label} is "${image.status}"`, 'wait until it is available, or set HCLOUD_IMAGE to another'),
    ];
  const out = [pass('image', `${label} is available`)];
  if (type) {
    if (image.architecture && type.architecture && image.architecture !== type.architecture) {
      out.push(
        fail(
          'image fits type',
          `image is ${image.architecture}, ${type.name} is ${type.architecture}`,
          `set HCLOUD_SERVER_TYPE to an ${image.architecture} type`,
        ),
      );
    } else if (image.disk_size > type.disk) {
      out.push(
        fail(
          'image fits type',
          `image needs ${image.disk_size} GB, ${type.name} has ${type.disk} GB`,
          `set HCLOUD_SERVER_TYPE to a type with at least ${image.disk_size} GB of disk`,
        ),
      );
    } else out.push(pass('image fits type', `image needs ${image.disk_size} GB, ${type.name} has ${type.disk} GB`));
  }
  return out;
}

/** An id is fetched directly; a name is looked up (system images have names, snapshots do not). */
async function fetchImage(client: DoClient, ref: string | null): Promise<Image | null> {
  if (!ref) return null;
  if (/^\d{1,20}$/.test(ref)) {
    const res = await client.request<{ image: Image }>({
      method: 'GET',
      path: `/v1/images/${ref}`,
      priority: 'read',
      allowStatuses: [404],
    });
    return res.status === 404 ? null : res.body.image;
  }
  const found = await listAll<Image>(client, '/v1/images', 'images', { name: ref }, 'read', HZ_PAGER);
  return found.find((i) => i.name === ref) ?? null;
}
