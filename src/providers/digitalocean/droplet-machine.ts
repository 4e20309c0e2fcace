import { canonicalIp } from '../../domain/ip-address.js';
import type { Machine } from '../provider.js';
import { serverIdFromName } from '../provider.js';
import type { DoDroplet } from './do-types.js';

/** Tag prefix that also carries the server id (`<prefix>-id:<serverId>`), for humans and filters. */
export function serverIdTag(namePrefix: string, serverId: string): string | null {
  const tag = `${namePrefix}-id:${serverId}`;
  return /^[a-zA-Z0-9_\-:]{1,255}$/.test(tag) ? tag : null;
}

/**
 * The public IPv4 address: the `networks.v4` entry with `type == "public"`. Real payloads
 * often list the private entry first, so position means nothing. Canonical (see canonicalIp),
 * so it compares equal to the same address reported by a heartbeat; a value that is no address
 * counts as none yet (it must never reach players).
 */
export function publicIpv4(droplet: DoDroplet): string | null {
  const v4 = droplet.networks?.v4 ?? [];
  const raw = v4.find((n) => n.type === 'public')?.ip_address;
  return typeof raw === 'string' ? canonicalIp(raw) : null;
}

/** A droplet as the orchestrator sees it. */
export function dropletToMachine(droplet: DoDroplet, namePrefix: string): Machine {
  const created = Date.parse(droplet.created_at);
  return {
    providerId: String(droplet.id),
    serverId: serverIdFromName(namePrefix, droplet.name) ?? serverIdFromTags(droplet.tags ?? [], namePrefix),
    status: droplet.status,
    ip: publicIpv4(droplet),
    port: null,
    createdAtMs: Number.isFinite(created) ? created : 0,
    region: typeof droplet.region?.slug === 'string' ? droplet.region.slug : null,
  };
}

/** Fallback for a droplet renamed by hand: the id tag still says whose it is. */
function serverIdFromTags(tags: readonly string[], namePrefix: string): string | null {
  const p = `${namePrefix}-id:`;
  for (const t of tags) {
    if (!t.startsWith(p)) continue;
    const id = serverIdFromName(namePrefix, `${namePrefix}-${t.slice(p.length)}`);
    if (id) return id;
  }
  return null;
}
