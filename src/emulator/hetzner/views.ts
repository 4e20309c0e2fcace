import {
  IMAGES,
  LOCATIONS,
  PLACEHOLDER_MONTHLY_HOURS,
  SERVER_TYPES,
  type HzImageFacts,
  type HzLocation,
  type HzServerTypeFacts,
} from './catalogue.js';
import type { HzActionRecord, HzServerRecord } from './world.js';

/** The JSON shapes of Hetzner Cloud API v1 (the vendored OpenAPI subset's schemas). */

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function actionView(a: HzActionRecord): Record<string, unknown> {
  return {
    id: a.id,
    command: a.command,
    status: a.status,
    progress: a.status === 'running' ? 0 : 100,
    started: iso(a.startedAtMs),
    finished: a.finishedAtMs === null ? null : iso(a.finishedAtMs),
    resources: [{ id: a.serverId, type: 'server' }],
    error: a.error,
  };
}

export function locationView(l: HzLocation): Record<string, unknown> {
  return { ...l };
}

const price = (n: number): { net: string; gross: string } => ({
  net: n.toFixed(4),
  // 19% VAT, as a German customer pays: the gross/net pair's shape, not anyone's invoice.
  gross: (n * 1.19).toFixed(4),
});

export function serverTypeView(t: HzServerTypeFacts): Record<string, unknown> {
  return {
    id: t.id,
    name: t.name,
    description: t.name.toUpperCase(),
    category: t.cpu_type === 'dedicated' ? 'dedicated_cpu' : 'shared_cpu',
    cores: t.cores,
    memory: t.memory,
    disk: t.disk,
    deprecated: false,
    deprecation: null,
    cpu_type: t.cpu_type,
    architecture: t.architecture,
    storage_type: 'local',
    locations: t.locations.map((name) => ({ id: locationNamed(name)?.id ?? 0, name, deprecation: null })),
    prices: t.locations.map((location) => ({
      location,
      price_hourly: price(t.hourlyNet),
      price_monthly: price(t.hourlyNet * PLACEHOLDER_MONTHLY_HOURS),
      included_traffic: 21990232555520,
      price_per_tb_traffic: price(1),
    })),
  };
}

export function imageView(i: HzImageFacts): Record<string, unknown> {
  return {
    id: i.id,
    type: i.type,
    status: 'available',
    name: i.name,
    description: i.description,
    image_size: i.type === 'snapshot' ? 2.3 : null,
    disk_size: i.disk_size,
    created: '2026-01-15T12:00:00Z',
    created_from: i.type === 'snapshot' ? { id: 1, name: 'game-server-builder' } : null,
    bound_to: null,
    os_flavor: i.os_flavor,
    os_version: i.os_version,
    rapid_deploy: i.type === 'system',
    protection: { delete: false },
    deprecated: null,
    deleted: null,
    labels: {},
    architecture: i.architecture,
  };
}

export function serverView(s: HzServerRecord): Record<string, unknown> {
  const l = s.location;
  const typeIds = SERVER_TYPES.filter((t) => t.locations.includes(l.name)).map((t) => t.id);
  return {
    id: s.id,
    name: s.name,
    status: s.status,
    created: iso(s.createdAtMs),
    public_net: {
      ipv4: {
        id: s.id + 1_000_000,
        ip: s.ipv4,
        blocked: false,
        dns_ptr: `static.${s.ipv4.split('.').reverse().join('.')}.clients.your-server.de`,
      },
      ipv6: { id: s.id + 2_000_000, ip: s.ipv6, blocked: false, dns_ptr: [] },
      floating_ips: [],
      firewalls: [],
    },
    private_net: [],
    server_type: serverTypeView(s.serverType),
    datacenter: {
      id: l.id,
      name: `${l.name}-dc${l.id + 1}`,
      description: `${l.city} DC ${l.id + 1}`,
      location: locationView(l),
      server_types: { supported: typeIds, available: typeIds, available_for_migration: typeIds },
    },
    location: locationView(l),
    image: imageView(s.image),
    iso: null,
    rescue_enabled: false,
    locked: false,
    backup_window: null,
    outgoing_traffic: 0,
    ingoing_traffic: 0,
    included_traffic: 21990232555520,
    protection: { delete: false, rebuild: false },
    labels: { ...s.labels },
    volumes: [],
    load_balancers: [],
    primary_disk_size: s.serverType.disk,
    placement_group: null,
  };
}

export function locationNamed(nameOrId: string): HzLocation | undefined {
  return LOCATIONS.find((l) => l.name === nameOrId || String(l.id) === nameOrId);
}

export function serverTypeNamed(nameOrId: string): HzServerTypeFacts | undefined {
  return SERVER_TYPES.find((t) => t.name === nameOrId || String(t.id) === nameOrId);
}

export function imageNamed(nameOrId: string): HzImageFacts | undefined {
  return IMAGES.find((i) => (i.name !== null && i.name === nameOrId) || String(i.id) === nameOrId);
}

const DEFAULT_PER_PAGE = 25;
const MAX_PER_PAGE = 50;

/**
 * One page and its `meta.pagination` (page, per_page, previous_page, next_page, last_page,
 * total_entries; null where there is none). per_page defaults to 25 and is clamped to 50.
 */
export function pageOf<T>(all: readonly T[], query: URLSearchParams): { items: T[]; meta: Record<string, unknown> } {
  const perPage = Math.min(MAX_PER_PAGE, positiveInt(query.get('per_page')) ?? DEFAULT_PER_PAGE);
  const page = positiveInt(query.get('page')) ?? 1;
  const lastPage = Math.max(1, Math.ceil(all.length / perPage));
  return {
    items: all.slice((page - 1) * perPage, page * perPage),
    meta: {
      pagination: {
        page,
        per_page: perPage,
        previous_page: page > 1 ? Math.min(page - 1, lastPage) : null,
        next_page: page < lastPage ? page + 1 : null,
        last_page: lastPage,
        total_entries: all.length,
      },
    },
  };
}

function positiveInt(raw: string | null): number | undefined {
  if (raw === null || !/^\d{1,9}$/.test(raw)) return undefined;
  const n = Number(raw);
  return n >= 1 ? n : undefined;
}
