import { canonicalIp } from '../../domain/ip-address.js';
import type { Machine } from '../provider.js';
import { serverIdFromName } from '../provider.js';
import type { Pager } from '../digitalocean/paginate.js';

/** The fields of a Hetzner Cloud server (GET /v1/servers) the provider reads. */
export interface HzServer {
  id: number;
  name: string;
  status: string;
  created: string;
  labels?: Record<string, string>;
  public_net?: { ipv4?: { ip?: string } | null } | null;
  location?: { name?: string } | null;
}

/** Hetzner's largest page (docs.hetzner.cloud, "Pagination": per_page up to 50). */
export const HZ_PER_PAGE = 50;

/** Hetzner pages: `meta.pagination.next_page` (null on the last) and `total_entries`. */
export const HZ_PAGER: Pager = {
  perPage: HZ_PER_PAGE,
  next: (body) => {
    const next = pagination(body)?.next_page;
    return typeof next === 'number' && Number.isInteger(next) && next >= 1 ? next : null;
  },
  total: (body) => {
    const total = pagination(body)?.total_entries;
    return typeof total === 'number' ? total : null;
  },
};

function pagination(body: Record<string, unknown>): Record<string, unknown> | undefined {
  const meta = body.meta as { pagination?: Record<string, unknown> } | undefined;
  return meta?.pagination;
}

/**
 * Server status as the port sees it: `running` is up; `initializing`, `starting` (and the
 * transient `migrating`, `rebuilding`, `unknown`) are still coming; `off`, `stopping` and
 * `deleting` will not serve players.
 */
export function machineStatus(status: string): Machine['status'] {
  if (status === 'running') return 'active';
  if (status === 'off' || status === 'stopping' || status === 'deleting') return 'off';
  return 'new';
}

/** A Hetzner server as the orchestrator sees it; the owner label carries the server id too. */
export function serverToMachine(s: HzServer, namePrefix: string, labelKey: string): Machine {
  const created = Date.parse(s.created);
  const raw = s.public_net?.ipv4?.ip;
  const labelled = s.labels?.[labelKey];
  return {
    providerId: String(s.id),
    serverId:
      serverIdFromName(namePrefix, s.name) ??
      (labelled ? serverIdFromName(namePrefix, `${namePrefix}-${labelled}`) : null),
    status: machineStatus(s.status),
    ip: typeof raw === 'string' ? canonicalIp(raw) : null,
    port: null,
    createdAtMs: Number.isFinite(created) ? created : 0,
    // The region is the Hetzner location.
    region: typeof s.location?.name === 'string' ? s.location.name : null,
  };
}
