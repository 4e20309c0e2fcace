import { REGIONS } from '../catalogue/regions.js';
import type { NetworkV4, NetworkV6 } from './records.js';

/** Documentation ranges (RFC 5737), so emulated addresses can never reach a real host. */
const DOCUMENTATION_PREFIXES = ['203.0.113', '198.51.100', '192.0.2'];
/** The region whose droplets get the documentation ranges (DROPLET_REGION's default). */
const DOCUMENTATION_REGION = 'nyc3';
const FIRST_HOST = 2;
const LAST_HOST = 254;
const HOSTS_PER_PREFIX = LAST_HOST - FIRST_HOST + 1;

/**
 * The public /24s of a region's pool. nyc3 has the documentation ranges; every other region
 * two /24s of its own in 198.18.0.0/15 (RFC 2544: set aside for tests, never routed), by its
 * place in the catalogue: sgp1 is 198.18.8.x then 198.19.8.x. So an address says its region.
 */
export function publicPrefixes(regionSlug: string): readonly string[] {
  if (regionSlug === DOCUMENTATION_REGION) return DOCUMENTATION_PREFIXES;
  const index = REGIONS.findIndex((r) => r.slug === regionSlug);
  if (index < 0) throw new Error(`no address pool for region ${regionSlug}`);
  return [`198.18.${index}`, `198.19.${index}`];
}

/**
 * Hands out public v4 addresses from each region's own pool (publicPrefixes; in a region,
 * its first /24 first), private ones from 10.10.0.0/16 and v6 from 2001:db8::/32. A released
 * public address is reused only after its region's cursor has gone round every other one.
 */
export class AddressPool {
  private readonly inUse = new Set<string>();
  private readonly cursors = new Map<string, number>();
  private privateSeq = 0;
  private v6Seq = 0;

  publicV4(regionSlug: string = DOCUMENTATION_REGION): NetworkV4 {
    const prefixes = publicPrefixes(regionSlug);
    const total = prefixes.length * HOSTS_PER_PREFIX;
    let cursor = this.cursors.get(regionSlug) ?? 0;
    for (let tries = 0; tries < total; tries++) {
      const n = cursor;
      cursor = (cursor + 1) % total;
      const prefix = prefixes[Math.floor(n / HOSTS_PER_PREFIX)];
      const ip = `${prefix}.${FIRST_HOST + (n % HOSTS_PER_PREFIX)}`;
      if (this.inUse.has(ip)) continue;
      this.inUse.add(ip);
      this.cursors.set(regionSlug, cursor);
      return { ip_address: ip, netmask: '255.255.255.0', gateway: `${prefix}.1`, type: 'public' };
    }
    throw new Error(`the emulator ran out of public addresses in ${regionSlug}`);
  }

  privateV4(): NetworkV4 {
    const n = this.privateSeq++;
    const ip = `10.10.${Math.floor(n / 254) % 256}.${(n % 254) + 1}`;
    return { ip_address: ip, netmask: '255.255.0.0', gateway: '', type: 'private' };
  }

  v6(): NetworkV6 {
    const n = ++this.v6Seq + 1;
    return { ip_address: `2001:db8:0:1::${n.toString(16)}`, netmask: 64, gateway: '2001:db8:0:1::1', type: 'public' };
  }

  /** Returns a droplet's public addresses to the pool. */
  release(networks: readonly NetworkV4[]): void {
    for (const n of networks) if (n.type === 'public') this.inUse.delete(n.ip_address);
  }

  clear(): void {
    this.inUse.clear();
    this.cursors.clear();
    this.privateSeq = 0;
    this.v6Seq = 0;
  }
}
