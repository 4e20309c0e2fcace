import { setMaxListeners } from 'node:events';
import { mergeFaults, type Faults } from '../options.js';
import { createRng, type Rng } from '../rng.js';
import type { ResolvedHetznerOptions } from './options.js';
import { TokenBucket } from './token-bucket.js';
import { HetznerWorld, type HzServerRecord } from './world.js';

/** A server as tests see it (GET /_emulator/state), deleted ones included. */
export interface EmulatedServer {
  id: number;
  name: string;
  status: string;
  location: string;
  serverType: string;
  labels: Record<string, string>;
  userData: string | null;
  ipv4: string;
  createdAtMs: number;
  deletedAtMs: number | null;
}

/**
 * One emulated Hetzner Cloud project: its world, the token bucket, the active faults, the
 * seeded RNG, request counts and the boot timers (on the injected clock).
 */
export class HetznerCore {
  readonly world = new HetznerWorld();
  readonly limiter: TokenBucket;
  readonly rng: Rng = {
    next: () => this.rngState.next(),
    chance: (p) => this.rngState.chance(p),
    pick: (items) => this.rngState.pick(items),
  };
  private rngState: Rng;
  private activeFaults: Faults;
  private readonly counts = new Map<string, number>();
  private readonly closing = new AbortController();
  private timers = newController();

  constructor(readonly opts: ResolvedHetznerOptions) {
    this.rngState = createRng(opts.seed);
    this.activeFaults = { ...opts.faults };
    this.limiter = new TokenBucket(opts.rateLimitPerHour, opts.rateLimitPerHour / 3600);
  }

  get closedSignal(): AbortSignal {
    return this.closing.signal;
  }

  nowMs(): number {
    return this.opts.clock.now();
  }

  faults(): Faults {
    return { ...this.activeFaults };
  }

  setFaults(patch: Partial<Faults> | Record<string, unknown>): Faults {
    this.activeFaults = mergeFaults(this.activeFaults, patch);
    return this.faults();
  }

  takeBurst429(): boolean {
    if (this.activeFaults.burst429 <= 0) return false;
    this.activeFaults.burst429 -= 1;
    return true;
  }

  count(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  requestCounts(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  resetCounts(): void {
    this.counts.clear();
  }

  /**
   * Boots a new server: after the boot delay its create action succeeds and it is `running`, or
   * (createErrorRate) the action errors and the server is gone, as a failed create leaves none.
   */
  boot(server: HzServerRecord, actionIds: readonly number[]): void {
    const fails = this.rng.chance(this.activeFaults.createErrorRate);
    void this.opts.clock.sleep(this.opts.bootDelayMs, this.timers.signal).then(() => {
      if (this.timers.signal.aborted || server.deletedAtMs !== null) return;
      const now = this.nowMs();
      for (const id of actionIds) {
        const a = this.world.actions.get(id);
        if (!a) continue;
        a.status = fails ? 'error' : 'success';
        a.finishedAtMs = now;
        if (fails) a.error = { code: 'action_failed', message: 'Action failed' };
      }
      if (fails) this.world.markDeleted(server, now, 0);
      else server.status = 'running';
    });
  }

  /** A delete's action finishes after the delete lag (or at once). */
  finishLater(actionId: number, afterMs: number): void {
    void this.opts.clock.sleep(afterMs, this.timers.signal).then(() => {
      const a = this.world.actions.get(actionId);
      if (this.timers.signal.aborted || !a || a.status !== 'running') return;
      a.status = 'success';
      a.finishedAtMs = this.nowMs();
    });
  }

  servers(): EmulatedServer[] {
    return [...this.world.servers.values()].map((s) => ({
      id: s.id,
      name: s.name,
      status: s.status,
      location: s.location.name,
      serverType: s.serverType.name,
      labels: { ...s.labels },
      userData: s.userData,
      ipv4: s.ipv4,
      createdAtMs: s.createdAtMs,
      deletedAtMs: s.deletedAtMs,
    }));
  }

  reset(): void {
    this.timers.abort();
    this.timers = newController();
    this.world.clear();
    this.limiter.clear();
    this.counts.clear();
    this.activeFaults = { ...this.opts.faults };
    this.rngState = createRng(this.opts.seed);
  }

  close(): void {
    this.closing.abort();
    this.timers.abort();
  }
}

/** Every boot timer listens on one signal; many servers must not warn about listeners. */
function newController(): AbortController {
  const c = new AbortController();
  setMaxListeners(0, c.signal);
  return c;
}
