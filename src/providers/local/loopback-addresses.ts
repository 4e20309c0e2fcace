import { createServer } from 'node:net';
import { ProviderError } from '../provider.js';

/**
 * Hands out loopback addresses, one per live game server: the orchestrator tells servers
 * apart by address (`droplet_ip`), as it does droplets. Linux routes all of 127/8 to the
 * loopback device, so 127.0.0.2, 127.0.0.3, … bind without setup.
 *
 * Addresses rotate (the next one after the last handed out) rather than reusing the lowest
 * free one, so a new server does not take the address a just-deleted one had.
 */
export class LoopbackAddresses {
  private readonly prefix: string;
  private readonly firstThird: number;
  private readonly size: number;
  private cursor = 0;

  /**
   * @param hostBase three octets, e.g. '127.0.0' → 127.0.0.2 … 127.0.0.254, 127.0.1.1 …
   * @param blocks how many third-octet blocks from hostBase on it may use (default: up to .255);
   *   a local region has one of its own.
   */
  constructor(hostBase: string, blocks?: number) {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(hostBase);
    const octets = m ? m.slice(1).map(Number) : [];
    if (!m || octets.some((o) => o > 255))
      throw new Error(`hostBase must be three octets like '127.0.0', got '${hostBase}'`);
    this.prefix = `${octets[0]}.${octets[1]}`;
    this.firstThird = octets[2] as number;
    // Fourth octets 1..254 in every third-octet block, minus .1 of the first (the usual host).
    const usable = Math.min(256 - this.firstThird, blocks ?? 256);
    if (usable < 1) throw new Error(`hostBase '${hostBase}' leaves no address block`);
    this.size = usable * 254 - 1;
  }

  /** The next address not in `inUse`; throws when every one is taken. */
  next(inUse: ReadonlySet<string>): string {
    for (let tried = 0; tried < this.size; tried++) {
      const ip = this.at(this.cursor);
      this.cursor = (this.cursor + 1) % this.size;
      if (!inUse.has(ip)) return ip;
    }
    throw new ProviderError(`no free loopback address under ${this.prefix}.${this.firstThird}`, { retryable: true });
  }

  private at(index: number): string {
    const n = index + 1; // skip x.x.first.1
    const third = this.firstThird + Math.floor(n / 254);
    return `${this.prefix}.${third}.${(n % 254) + 1}`;
  }
}

/** Whether `port` can be bound on `ip` right now (false: EADDRINUSE, another process holds it). */
export function portFreeOn(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) =>
      err.code === 'EADDRINUSE'
        ? resolve(false)
        : reject(new ProviderError(`cannot bind ${ip}:${port}: ${err.code ?? err.message}`)),
    );
    probe.listen({ host: ip, port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/**
 * A port free on `ip` right now (the OS picks it). It can be taken again before the game
 * server binds it; the address is ours alone, so only a stray process could race us.
 */
export function freePortOn(ip: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      const hint =
        err.code === 'EADDRNOTAVAIL'
          ? ` (add it to the loopback interface, e.g. 'sudo ifconfig lo0 alias ${ip} up' on macOS)`
          : '';
      reject(new ProviderError(`cannot bind ${ip}: ${err.code ?? err.message}${hint}`));
    });
    probe.listen({ host: ip, port: 0, exclusive: true }, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
