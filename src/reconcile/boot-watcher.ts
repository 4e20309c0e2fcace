import { LIVE_SERVER_STATES, ServerState, type Server } from '../domain/server.js';
import type { Machine, Provider } from '../providers/provider.js';
import type { ServerOps } from '../sessions/server-ops.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { Log } from '../util/log.js';

export interface BootWatcherDeps {
  store: Store;
  provider: Provider;
  ops: ServerOps;
  clock: Clock;
  log: Log;
  /** Time between looks while machines boot (BOOTING_POLL_MS). */
  pollMs: number;
}

/** What one look did. */
export interface BootLook {
  /** Rows of ours in creating or starting. */
  booting: number;
  /** Provider calls spent: one listing (a page per 200 machines) or one GET per booting machine. */
  calls: number;
  /** Rows found up and promoted (made ready and offered to a waiting start). */
  promoted: number;
}

/** Machines one provider listing call returns (DigitalOcean's largest page). */
export const MACHINES_PER_LIST_CALL = 200;

/**
 * With READINESS=address a server is ready once its machine is up with an address. The
 * reconcile pass promotes it, but passes are seconds apart (RECONCILE_INTERVAL_S), so a cold
 * start would wait for the next one after its machine came up. While any of our rows is
 * creating or starting, this looks every pollMs, spending as few provider calls as it can:
 * one listing (one call per 200 machines: the whole fleet) or, when fewer machines boot than
 * the listing has pages, one GET each. The promotion itself is ops.recordMachine/markReady,
 * the same conditional transitions the pass uses, so a look racing a pass is harmless.
 * When nothing boots, a look is one indexed query and no provider call.
 */
export class BootWatcher {
  private stopping = false;
  private loopDone: Promise<void> | null = null;
  private sleeper: AbortController | null = null;

  constructor(private readonly d: BootWatcherDeps) {}

  start(): void {
    if (this.loopDone || this.d.pollMs <= 0) return;
    this.stopping = false;
    this.loopDone = this.loop().finally(() => {
      this.loopDone = null;
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.sleeper?.abort();
    await this.loopDone;
  }

  /** One look: finds booting rows whose machine is up and promotes them. */
  async look(): Promise<BootLook> {
    const { store, provider, ops } = this.d;
    const booting = (await store.listServers([ServerState.Creating, ServerState.Starting])).filter((s) => s.origin === provider.name);
    if (booting.length === 0) return { booting: 0, calls: 0, promoted: 0 };
    const { machines, calls } = await this.machinesOf(booting);
    let promoted = 0;
    for (const s of booting) {
      const m = machines.get(s.id);
      if (!m || m.status !== 'active' || m.ip === null) continue;
      if (s.state === ServerState.Creating) await ops.recordMachine(s.id, m);
      else await ops.markReady(s.id, s.ip ? {} : { ip: m.ip });
      const now = await store.getServer(s.id);
      if (now && now.state !== ServerState.Creating && now.state !== ServerState.Starting) promoted++;
    }
    return { booting: booting.length, calls, promoted };
  }

  /** The machine of each booting row (by row id), by whichever way costs fewer calls. */
  private async machinesOf(booting: Server[]): Promise<{ machines: Map<string, Machine>; calls: number }> {
    const { store, provider } = this.d;
    const listCalls = Math.max(1, Math.ceil((await store.countMadeServers(LIVE_SERVER_STATES)) / MACHINES_PER_LIST_CALL));
    const machines = new Map<string, Machine>();
    if (booting.every((s) => s.providerId !== null) && booting.length < listCalls) {
      const got = await Promise.all(booting.map((s) => provider.get(s.providerId!).catch(() => null)));
      booting.forEach((s, i) => got[i] && machines.set(s.id, got[i]));
      return { machines, calls: booting.length };
    }
    const byProviderId = new Map(booting.filter((s) => s.providerId).map((s) => [s.providerId!, s.id]));
    const wanted = new Set(booting.map((s) => s.id));
    for (const m of await provider.list()) {
      const id = byProviderId.get(m.providerId) ?? (m.serverId && wanted.has(m.serverId) ? m.serverId : null);
      if (id && !machines.has(id)) machines.set(id, m);
    }
    return { machines, calls: listCalls };
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      try {
        const r = await this.look();
        if (r.promoted > 0) this.d.log.info({ ...r }, 'booting servers came up');
      } catch (err) {
        this.d.log.warn({ err: (err as Error).message }, 'boot watch failed; looking again later');
      }
      if (this.stopping) break;
      const ac = new AbortController();
      this.sleeper = ac;
      try {
        await this.d.clock.sleep(this.d.pollMs, ac.signal);
      } finally {
        this.sleeper = null;
      }
    }
  }
}
