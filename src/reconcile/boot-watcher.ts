import { LIVE_SERVER_STATES, ServerState, type Server } from '../domain/server.js';
import { SessionState } from '../domain/session.js';
import type { Machine, Provider } from '../providers/provider.js';
import type { ServerOps } from '../fleet/server-ops.js';
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
  /** READINESS=address: promote machines that are up. With heartbeat readiness the heartbeat does. */
  promoteByAddress: boolean;
  /** MAX_SERVERS in force, read at each look: with room below it, a start waiting with no server on its way asks for a pass. */
  maxServers: () => number;
  /** Asks the reconciler for a pass soon (it makes the servers). */
  reconcileSoon: () => void;
  /** Whether this replica leads the reconciler: only the leader spends provider calls here. */
  leads?: () => boolean;
}

/** What one look did. */
export interface BootLook {
  /** Rows of ours in creating or starting. */
  booting: number;
  /** Provider calls spent: one listing (a page per 200 machines) or one GET per booting machine. */
  calls: number;
  /** Rows found up and promoted (made ready and offered to a waiting start). */
  promoted: number;
  /** Whether starts were waiting with no server on the way and room to make one: a pass was asked for. */
  askedForPass: boolean;
}

/** Machines one provider listing call returns (DigitalOcean's largest page). */
export const MACHINES_PER_LIST_CALL = 200;

/**
 * Keeps waiting starts short between reconcile passes (RECONCILE_INTERVAL_S apart), looking
 * every pollMs:
 *
 * - READINESS=address: a server is ready once its machine is up with an address, so a cold
 *   start would otherwise wait for the first pass after its machine came up. While any of our
 *   rows is creating or starting, a look spends as few provider calls as it can: one listing
 *   (one call per 200 machines: the whole fleet) or, when fewer machines boot than the listing
 *   has pages, one GET each. The promotion is ops.recordMachine/markReady, the same
 *   conditional transitions the pass uses, so a look racing a pass is harmless.
 * - Any readiness: a start queued at MAX_SERVERS gets a server made as soon as an end frees
 *   room (a pass asked for), not at the next scheduled pass.
 *
 * When nothing waits and nothing boots, a look is three indexed queries and no provider call.
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

  /**
   * One look: asks for a pass when starts wait with no server on the way (a start queued
   * behind others at MAX_SERVERS gets its server as soon as an end frees room, not at the next
   * scheduled pass), then finds booting rows whose machine is up and promotes them.
   */
  async look(): Promise<BootLook> {
    const { store, provider } = this.d;
    const booting = (await store.listServers([ServerState.Creating, ServerState.Starting])).filter(
      (s) => s.origin === provider.name,
    );
    const askedForPass = await this.askForPassIfStarved(booting.length);
    const leads = this.d.leads ? this.d.leads() : true;
    if (booting.length === 0 || !this.d.promoteByAddress || !leads)
      return { booting: booting.length, calls: 0, promoted: 0, askedForPass };
    const { calls, promoted } = await this.promoteUp(booting);
    return { booting: booting.length, calls, promoted, askedForPass };
  }

  private async askForPassIfStarved(booting: number): Promise<boolean> {
    const { store } = this.d;
    const pending = await store.countSessions([SessionState.Pending]);
    if (pending <= booting) return false;
    if ((await store.countMadeServers(LIVE_SERVER_STATES)) >= this.d.maxServers()) return false;
    this.d.reconcileSoon();
    return true;
  }

  private async promoteUp(booting: Server[]): Promise<{ calls: number; promoted: number }> {
    const { store, ops } = this.d;
    const { machines, calls } = await this.machinesOf(booting);
    let promoted = 0;
    for (const s of booting) {
      const m = machines.get(s.id);
      if (!m || m.status !== 'active' || m.ip === null) continue;
      // The provider's address is the truth: a row that does not know it yet learns it first.
      if (s.state === ServerState.Creating || !s.ip) await ops.recordMachine(s.id, m);
      else await ops.markReady(s.id);
      const now = await store.getServer(s.id);
      if (now && now.state !== ServerState.Creating && now.state !== ServerState.Starting) promoted++;
    }
    return { calls, promoted };
  }

  /** The machine of each booting row (by row id), by whichever way costs fewer calls. */
  private async machinesOf(booting: Server[]): Promise<{ machines: Map<string, Machine>; calls: number }> {
    const { store, provider } = this.d;
    const listCalls = Math.max(
      1,
      Math.ceil((await store.countMadeServers(LIVE_SERVER_STATES)) / MACHINES_PER_LIST_CALL),
    );
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
        if (r.askedForPass) this.d.log.debug({ ...r }, 'starts waiting with no server on the way: asked for a pass');
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
