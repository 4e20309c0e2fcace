import { BENCH_KEY, BLOCK } from './cases.js';
import { registerByHeartbeat } from './fixtures.js';
import { runLoad } from './load.js';

/**
 * Ready external servers for the start cases, registered by signed heartbeats ahead of each
 * run. The need is the fastest claim rate seen so far (the 2 s probe, then every start run)
 * × duration × 1.5: a pool that runs dry turns starts into 2 s waits and 503s.
 */
export class WarmPool {
  registered = 0;
  registerPerS = 0;
  /** Fastest starts/s seen (probe or run). */
  fastestPerS = 0;
  private available = 0;
  private registerMs = 0;
  private readonly nextIp = { n: 0 };

  constructor(
    private readonly url: string,
    private readonly connections: number,
  ) {}

  /** Registers a probe pool and measures 2 s of starts. */
  async probe(say: (line: string) => void): Promise<number> {
    const probePool = 20_000;
    await this.register(probePool, say);
    const probe = await runLoad({ url: this.url, connections: this.connections, durationS: 2, request: { method: 'POST', path: '/sessions/start' } });
    this.consumed(probe.ok, probe.okPerS);
    if (probe.ok >= probePool * 0.95) say(`warning: the 2 s probe used ${probe.ok} of ${probePool} ready servers; the estimate is low`);
    say(`start probe: ${Math.round(probe.okPerS)} starts/s (servers registered at ${Math.round(this.registerPerS)}/s)`);
    return probe.okPerS;
  }

  /** Registers servers until enough are ready for a run of `durationS` at the fastest rate seen; how many it registered. */
  async topUp(durationS: number, say: (line: string) => void): Promise<number> {
    const want = Math.ceil(this.fastestPerS * durationS * 1.5) + 500;
    const n = want - this.available;
    if (n <= 0) return 0;
    await this.register(n, say);
    return n;
  }

  /** Records what a run took. */
  consumed(n: number, okPerS: number): void {
    this.available -= n;
    this.fastestPerS = Math.max(this.fastestPerS, okPerS);
  }

  private async register(count: number, say: (line: string) => void): Promise<void> {
    const t = performance.now();
    const ok = await registerByHeartbeat({ url: this.url, key: BENCH_KEY, block: BLOCK.ready, next: this.nextIp, count, players: 0 });
    this.registerMs += performance.now() - t;
    this.registered += count;
    this.available += ok;
    this.registerPerS = this.registered / (this.registerMs / 1000);
    if (ok < count) say(`warning: ${count - ok} of ${count} registrations failed`);
  }
}
