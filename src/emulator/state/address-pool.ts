import type { NetworkV4, NetworkV6 } from './records.js';

/** Documentation ranges (RFC 5737), so emulated addresses can never reach a real host. */
const PUBLIC_PREFIXES = ['203.0.113', '198.51.100', '192.0.2'];
const FIRST_HOST = 2;
const LAST_HOST = 254;
const HOSTS_PER_PREFIX = LAST_HOST - FIRST_HOST + 1;

/**
 * Hands out public v4 addresses from the documentation ranges (203.0.113.x first, then
 * 198.51.100.x, then 192.0.2.x), private ones from 10.10.0.0/16 and v6 from 2001:db8::/32.
 * A released public address is reused only after the cursor has gone round every other one.
 */
export class AddressPool {
  private readonly inUse = new Set<string>();
  private cursor = 0;
  private privateSeq = 0;
  private v6Seq = 0;

  publicV4(): NetworkV4 {
    const total = PUBLIC_PREFIXES.length * HOSTS_PER_PREFIX;
    for (let tries = 0; tries < total; tries++) {
      const n = this.cursor;
      this.cursor = (this.cursor + 1) % total;
      const prefix = PUBLIC_PREFIXES[Math.floor(n / HOSTS_PER_PREFIX)];
      const ip = `${prefix}.${FIRST_HOST + (n % HOSTS_PER_PREFIX)}`;
      if (this.inUse.has(ip)) continue;
      this.inUse.add(ip);
      return { ip_address: ip, netmask: '255.255.255.0', gateway: `${prefix}.1`, type: 'public' };
    }
    throw new Error('the emulator ran out of public addresses');
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
    this.cursor = 0;
    this.privateSeq = 0;
    this.v6Seq = 0;
  }
}
