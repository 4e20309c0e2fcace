import { ServerState } from '../domain/server.js';
import { SessionState } from '../domain/session.js';
import type { SessionDeps } from './session-deps.js';
import type { SessionWaiter } from './session-waiter.js';

/**
 * The one database poll of a process's waiting starts. Every START_POLL_MS one statement reads
 * the state of every session a start here waits on and wakes those that moved (another replica
 * gave them a server, or ended them); one renews the leases that are due; one transaction
 * hands a ready server that nobody was offered to the oldest waiting session.
 *
 * Each waiting start used to do all three itself every poll: 300 waiting starts over three
 * replicas queued about 3,600 pool checkouts a second on 3 × 10 PostgreSQL connections, and
 * the work that answers them (recording a created machine, making it ready) waited in the
 * pool's queue behind them. Now the poll costs the same whether one start waits or a thousand.
 */
export class StartPoller {
  /** Waited-on session → the lease until which this process last renewed it (0: not yet). */
  private readonly watched = new Map<string, number>();
  private running = false;

  constructor(
    private readonly deps: SessionDeps,
    private readonly waiter: SessionWaiter,
    private readonly pollMs: number,
  ) {}

  /** A start here waits on this pending session (its lease renewed from now on, as its waiter's). */
  watch(sessionId: string, leaseUntilMs: number): void {
    this.watched.set(sessionId, leaseUntilMs);
    if (!this.running) void this.run();
  }

  unwatch(sessionId: string): void {
    this.watched.delete(sessionId);
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.watched.size > 0) {
        try {
          await this.poll();
        } catch (err) {
          // The database is unreachable (or a statement failed): every waiter re-reads its own
          // session now, so a start answers the outage as it did when it polled alone.
          this.deps.log.warn({ err: (err as Error).message }, 'waiting starts: poll failed');
          for (const id of this.watched.keys()) this.waiter.notify(id);
        }
        if (this.watched.size > 0) await this.deps.clock.sleep(this.pollMs);
      }
    } finally {
      this.running = false;
    }
  }

  private async poll(): Promise<void> {
    const { store, clock, ops } = this.deps;
    const ids = [...this.watched.keys()];
    const states = await store.sessionStates(ids);
    const pending = ids.filter((id) => states.get(id) === SessionState.Pending);
    for (const id of ids) if (states.get(id) !== SessionState.Pending) this.waiter.notify(id);
    if (pending.length === 0) return;
    // Keep the leases of the sessions still waited on (a dead waiter's session is abandoned).
    const now = clock.now();
    const due = pending.filter((id) => (this.watched.get(id) ?? 0) - now < ops.leaseMs / 2);
    if (due.length > 0) {
      const until = now + ops.leaseMs;
      await store.renewSessionLeases(due, ops.instanceId, until);
      for (const id of due) if (this.watched.has(id)) this.watched.set(id, until);
    }
    // A ready server that appeared without being offered (another replica, a race) is taken here.
    for (let i = 0; i < pending.length && (await this.offerReady()); i++);
  }

  /** Gives one ready server to the oldest waiting session (maybe another process's); false when none is ready. */
  private offerReady(): Promise<boolean> {
    const { store, ops } = this.deps;
    return store.transaction(async (tx) => {
      const server = await ops.claimReadyServer(tx);
      if (!server) return false;
      // Its waiter wakes from the event (here) or from its own process's poll.
      const s = await ops.assignOldestPending(tx, server.id);
      if (!s) await ops.move(tx, server.id, [ServerState.Allocated], ServerState.Ready);
      return s !== null;
    });
  }
}
