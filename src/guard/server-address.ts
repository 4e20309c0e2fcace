import { OrchestratorError } from '../domain/errors.js';

/**
 * Whether an address can be a game server players are sent to. Issue 21 item 7: 0.0.0.0,
 * 255.255.255.255, :: and 127.0.0.1 registered as external servers (with the shared key), were
 * handed to players, and six silent fakes switched the outage guard on for minutes. Refused:
 * unspecified, broadcast and multicast addresses, and loopback unless the servers run on this
 * machine (the local provider). Takes an address already in canonical form (canonicalIp).
 */
export function unusableServerAddress(ip: string, allowLoopback: boolean): string | null {
  if (ip.includes(':')) {
    const lower = ip.toLowerCase();
    if (lower === '::') return 'the unspecified address';
    if (lower === '::1') return allowLoopback ? null : 'a loopback address';
    if (lower.startsWith('ff')) return 'a multicast address';
    return null;
  }
  const [a = 0, b = 0, c = 0, d = 0] = ip.split('.').map(Number);
  if (a === 0) return 'an unspecified ("this network") address';
  if (a === 255 && b === 255 && c === 255 && d === 255) return 'the broadcast address';
  if (a >= 224 && a <= 239) return 'a multicast address';
  if (a === 127) return allowLoopback ? null : 'a loopback address';
  return null;
}

/** Throws the 4xx a registration of such an address gets. */
export function assertUsableServerAddress(ip: string, allowLoopback: boolean): void {
  const why = unusableServerAddress(ip, allowLoopback);
  if (why)
    throw new OrchestratorError('invalid_input', `droplet_ip ${ip} is ${why}; players cannot reach a server there`);
}
