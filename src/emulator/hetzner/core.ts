import { setMaxListeners } from 'node:events';
import { EmulatorControls } from '../controls.js';
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
export class HetznerCore extends EmulatorControls {
  readonly world = new HetznerWorld();
  readonly limiter: TokenBucket;
  private timers = newController();

  constructor(readonly opts: ResolvedHetznerOptions) {
    super(opts);
    this.limiter = new TokenBucket(opts.rateLimitPerHour, opts.rateLimitPerHour / 3600);
  }

  nowMs(): number {
    return this.opts.clock.now();
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
    this.resetControls();
  }

  close(): void {
    this.abortHeld();
    this.timers.abort();
  }
}

/** Every boot timer listens on one signal; many servers must not warn about listeners. */
function newController(): AbortController {
  const c = new AbortController();
  setMaxListeners(0, c.signal);
  return c;
}
