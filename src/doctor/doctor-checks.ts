import type { DoAccount, DoImage, DoRegion, DoSize } from '../providers/digitalocean/do-types.js';
import { ProviderError } from '../providers/provider.js';

/** One line of the doctor's report. */
export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
  /** What to do about a failure, in words an operator can act on. */
  fix?: string;
}

/** Scopes a custom token needs for everything the orchestrator does (account:read: the droplet limit, read at start-up). */
export const TOKEN_SCOPES = 'droplet:create, droplet:read, droplet:delete, tag:read, tag:create, account:read';

const pass = (name: string, detail: string): DoctorCheck => ({ name, ok: true, detail });
const fail = (name: string, detail: string, fix: string): DoctorCheck => ({ name, ok: false, detail, fix });

/** First few slugs, for a fix that names real choices. */
function some(slugs: readonly string[], n = 8): string {
  return slugs.length > n ? `${slugs.slice(0, n).join(', ')}, …` : slugs.join(', ') || '(none)';
}

export function checkAccountStatus(account: DoAccount): DoctorCheck {
  if (account.status === 'active') return pass('account status', 'active');
  return fail(
    'account status',
    `account is "${account.status}"${account.status_message?.trim() ? `: ${account.status_message.trim()}` : ''}`,
    'resolve the account notice in the DigitalOcean control panel (billing or verification) until its status is active',
  );
}

export function checkDropletLimit(account: DoAccount, maxServers: number): DoctorCheck {
  const detail = `droplet_limit ${account.droplet_limit}, MAX_SERVERS ${maxServers}`;
  if (account.droplet_limit >= maxServers) {
    return pass('droplet limit', `${detail} (the limit counts every droplet of the account)`);
  }
  return fail(
    'droplet limit',
    `${detail}: creates past ${account.droplet_limit} droplets will be refused`,
    `lower MAX_SERVERS to ${account.droplet_limit} or less, or ask DigitalOcean support to raise the droplet limit`,
  );
}

export function checkRegion(regions: readonly DoRegion[], slug: string): DoctorCheck {
  const usable = regions.filter((r) => r.available).map((r) => r.slug);
  const region = regions.find((r) => r.slug === slug);
  if (!region) return fail('region', `unknown region "${slug}"`, `set DROPLET_REGION to one of: ${some(usable, 20)}`);
  if (!region.available) {
    const fix = `set DROPLET_REGION to an available region: ${some(usable, 20)}`;
    return fail('region', `region ${slug} takes no new droplets`, fix);
  }
  return pass('region', `${slug} (${region.name}) is available`);
}

export function checkSize(sizes: readonly DoSize[], slug: string, region: string): DoctorCheck {
  const inRegion = sizes.filter((s) => s.available && s.regions.includes(region)).map((s) => s.slug);
  const size = sizes.find((s) => s.slug === slug);
  const choose = `set DROPLET_SIZE to a size offered in ${region}: ${some(inRegion)}`;
  if (!size) return fail('size', `unknown size "${slug}"`, choose);
  if (!size.available) return fail('size', `size ${slug} is not available for new droplets`, choose);
  if (!size.regions.includes(region)) return fail('size', `size ${slug} is not offered in ${region}`, choose);
  return pass('size', `${slug} (${size.disk} GB disk) is offered in ${region}`);
}

export function checkImage(image: DoImage, region: string): DoctorCheck {
  const label = `${image.type ?? 'image'} ${image.id} "${image.name}"`;
  if (image.status && image.status !== 'available') {
    const fix = 'wait until the snapshot is available, or set SNAPSHOT_ID to another one';
    return fail('image', `${label} is "${image.status}"`, fix);
  }
  if (!image.regions.includes(region)) {
    return fail(
      'image',
      `${label} is not in ${region} (it is in: ${some(image.regions, 20)})`,
      `transfer the snapshot to ${region} (control panel: Images → Snapshots → More → Add to region), ` +
        `or set DROPLET_REGION to one of: ${some(image.regions, 20)}`,
    );
  }
  return pass('image', `${label} is available in ${region}`);
}

export function checkDiskFits(image: DoImage, size: DoSize): DoctorCheck {
  const minGb = image.min_disk_size ?? 0;
  if (minGb <= size.disk) return pass('image fits size', `image needs ${minGb} GB, ${size.slug} has ${size.disk} GB`);
  return fail(
    'image fits size',
    `image needs a ${minGb} GB disk, ${size.slug} has ${size.disk} GB`,
    `set DROPLET_SIZE to a size with at least ${minGb} GB of disk`,
  );
}

export function missingToken(): DoctorCheck {
  return fail(
    'token',
    'DIGITALOCEAN_TOKEN is not set',
    `set DIGITALOCEAN_TOKEN to a token with scopes ${TOKEN_SCOPES}`,
  );
}

/** GET /v2/account failed: a refused token, or no API at all. */
export function tokenFailure(err: unknown, apiUrl: string): DoctorCheck {
  const message = err instanceof Error ? err.message : String(err);
  const status = err instanceof ProviderError ? err.opts.status : undefined;
  if (status === 401 || status === 403) {
    return fail('token', `token rejected: ${message}`, `create a token with scopes ${TOKEN_SCOPES}`);
  }
  const fix = 'check DO_API_URL and that this host can reach it over HTTPS, then run doctor again';
  return fail('token', `cannot reach ${apiUrl}: ${message}`, fix);
}

/** A catalogue call failed after the token worked: most likely a custom token without `scope`. */
export function apiFailure(name: string, err: unknown, scope: string): DoctorCheck {
  const detail = `could not check: ${err instanceof Error ? err.message : String(err)}`;
  const status = err instanceof ProviderError ? err.opts.status : undefined;
  if (status === 401 || status === 403) {
    return fail(name, detail, `give the token the ${scope} scope as well as ${TOKEN_SCOPES}`);
  }
  return fail(name, detail, 'the API failed; run doctor again, and check DO_API_URL if it persists');
}

export function unknownImage(image: string | null): DoctorCheck {
  const detail = image ? `no image "${image}" visible to this token` : 'SNAPSHOT_ID is not set';
  const fix =
    'set SNAPSHOT_ID to the numeric id of one of your snapshots (doctl compute snapshot list, ' +
    'or GET /v2/images?private=true); private snapshots have no slug';
  return fail('image', detail, fix);
}
