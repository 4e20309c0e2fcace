/**
 * Canonical text of an IP address, so one address has one spelling wherever it is stored or
 * compared: `2001:DB8::1` and `2001:0db8:0000::1` are the same server, and so are
 * `::ffff:127.0.0.3` and `127.0.0.3`.
 *
 * - IPv4 in dotted decimal is returned as is (leading zeros are refused: `010.0.0.1` means
 *   octal to some parsers and decimal to others).
 * - IPv6 is written per RFC 5952: lower case, no leading zeros in a group, the longest run of
 *   two or more zero groups (the first, on a tie) as `::`.
 * - IPv4-mapped IPv6 (`::ffff:a.b.c.d`, in any spelling) becomes the IPv4 address.
 * - Anything else (names, zone ids such as `fe80::1%eth0`, CIDRs, surrounding spaces) → null.
 */
export function canonicalIp(input: string): string | null {
  if (isIpv4(input)) return input;
  const groups = parseIpv6(input);
  if (!groups) return null;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');
  }
  return formatIpv6(groups);
}

const IPV4_OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^${IPV4_OCTET}(?:\\.${IPV4_OCTET}){3}$`);

function isIpv4(s: string): boolean {
  return IPV4.test(s);
}

/** The eight 16-bit groups of an IPv6 address, or null when `s` is not one. */
function parseIpv6(s: string): number[] | null {
  if (s.length > 45 || !/^[0-9A-Fa-f:.]+$/.test(s)) return null;
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const parts = [...head, ...tail];
  const groups: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p.includes('.')) {
      // A dotted IPv4 may only end the address (so never before a `::`).
      if (i !== parts.length - 1 || (halves.length === 2 && tail.length === 0) || !isIpv4(p)) return null;
      const o = p.split('.').map(Number);
      groups.push((o[0]! << 8) | o[1]!, (o[2]! << 8) | o[3]!);
    } else {
      if (!/^[0-9A-Fa-f]{1,4}$/.test(p)) return null;
      groups.push(parseInt(p, 16));
    }
  }
  if (halves.length === 1) return groups.length === 8 ? groups : null;
  // `::` stands for at least one zero group.
  if (groups.length > 7) return null;
  const headCount = head.reduce((n, p) => n + (p.includes('.') ? 2 : 1), 0);
  return [...groups.slice(0, headCount), ...Array<number>(8 - groups.length).fill(0), ...groups.slice(headCount)];
}

/** RFC 5952 section 4: lower-case hex, no leading zeros, the longest zero run (≥ 2) as `::`. */
function formatIpv6(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [bestStart, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/**
 * The bucket a client address counts in for caps and rate limits: an IPv4 address as it is,
 * an IPv6 one by its /64 (one subscriber is given a whole /64, so per-address buckets would
 * hand them 2^64 budgets). Expects a canonical address; anything else is its own bucket.
 */
export function addressBucket(addr: string): string {
  const groups = addr.includes(':') ? parseIpv6(addr) : null;
  if (!groups) return addr;
  return `${formatIpv6([...groups.slice(0, 4), 0, 0, 0, 0])}/64`;
}
