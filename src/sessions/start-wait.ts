import { OrchestratorError } from '../domain/errors.js';
import type { Server } from '../domain/server.js';
import { EndReason, SessionState, type Session } from '../domain/session.js';
import type { SessionDeps } from './session-deps.js';
import type { SessionWaiter } from './session-waiter.js';
import { StartPoller } from './start-poller.js';

export interface StartResult {
  session: Session;
  server: Server;
  /** True when a ready server was handed out; false when the start waited for a new one. */
  reused: boolean;
}

export interface StartWaitOptions {
  startTimeoutS: number;
  startPollMs: number;
  /** Why no server could be had when capacity is the reason (the cap reached, the provider's limit); null otherwise. */
  capacityNote?: () => Promise<string | null>;
}

/**
 * The one start wait loop: a start that found no ready server waits here (bounded by
 * START_TIMEOUT_S) for the server made for it, woken from the outbox or by the process's one
 * poll of every waiting session (StartPoller, every START_POLL_MS). A shutdown answers every
 * waiter at once.
 */
export class StartWaits {
  private readonly waiting = new Set<AbortController>();
  private stopping = false;
  private readonly poller: StartPoller;

  constructor(
    private readonly deps: SessionDeps,
    private readonly waiter: SessionWaiter,
    private readonly opts: StartWaitOptions,
  ) {
    this.poller = new StartPoller(deps, waiter, opts.startPollMs);
  }

  /** Refuses a new start once the service is stopping. */
  assertOpen(): void {
    if (this.stopping) throw shuttingDown();
  }

  /**
   * Waits until the session is active (or the deadline passes, ending it with a clear reason).
   * It re-reads its session only when woken: by an event of this process, or by the
   * process's one poll (StartPoller), which also keeps its lease.
   */
  async awaitSession(sessionId: string): Promise<StartResult> {
    const { store, clock, ops } = this.deps;
    const deadline = clock.now() + this.opts.startTimeoutS * 1000;
    const stop = new AbortController();
    this.waiting.add(stop);
    let watched = false;
    try {
      for (;;) {
        const session = await store.getSession(sessionId);
        const done = session ? await this.outcome(session) : null;
        if (!session) throw new OrchestratorError('not_found', 'Session not found');
        if (done) return done;
        if (stop.signal.aborted) return await this.giveUp(sessionId, EndReason.ShuttingDown);
        const now = clock.now();
        if (now >= deadline) return await this.giveUp(sessionId, EndReason.StartTimeout);
        if (!watched) {
          // This request waits: its lease is renewed at once (the start's transaction may have
          // taken longer than a lease, or the session is a retried key's whose first waiter
          // died), then by the process's poll.
          const leaseUntil = now + ops.leaseMs;
          await store.renewSessionLease(sessionId, ops.instanceId, leaseUntil);
          this.poller.watch(sessionId, leaseUntil);
          watched = true;
        }
        await this.waiter.waitForChange(clock, sessionId, deadline - now, stop.signal);
      }
    } finally {
      this.waiting.delete(stop);
      this.poller.unwatch(sessionId);
    }
  }

  /** An active session's answer; a refusal for an ended one; null while it waits. */
  private async outcome(session: Session): Promise<StartResult | null> {
    if (session.state === SessionState.Active && session.serverId) {
      const server = await this.deps.store.getServer(session.serverId);
      if (server) return { session, server, reused: !session.coldStart };
    }
    if (session.state !== SessionState.Ended) return null;
    // Played and ended: a 503 with Retry-After would be false ("before a server was ready")
    // and invite retrying the same key forever.
    if (session.activatedAtMs !== null) {
      throw new OrchestratorError(
        'conflict',
        `This session has ended (${session.endReason}); start a new one with a new Idempotency-Key`,
      );
    }
    throw new OrchestratorError('start_timeout', `Session ended before a server was ready (${session.endReason})`, 5);
  }

  private async giveUp(sessionId: string, reason: EndReason): Promise<StartResult> {
    const { store, ops } = this.deps;
    // Only a session still pending ends here; the answer comes from the committed row.
    const ended = await ops.endSessionNow({ id: sessionId }, reason, { from: [SessionState.Pending] });
    if (!ended) {
      // It became active in the last moment: hand it out rather than lose it.
      const s = await store.getSession(sessionId);
      const done = s?.state === SessionState.Active ? await this.outcome(s) : null;
      if (done) return done;
    }
    if (reason === EndReason.ShuttingDown) throw shuttingDown();
    this.deps.reconcileSoon();
    const t = this.opts.startTimeoutS;
    const retryAfterS = Math.max(1, Math.ceil(t / 2));
    const note = await this.opts.capacityNote?.();
    if (note)
      throw new OrchestratorError(
        'capacity',
        `No game server became ready within ${t} s: ${note}; retry later`,
        retryAfterS,
      );
    throw new OrchestratorError('start_timeout', `No game server became ready within ${t} s; retry later`, retryAfterS);
  }

  /** Ends pending sessions whose waiting request died (see resolveAbandoned below). */
  resolveAbandoned(atStartUp = false): Promise<number> {
    return resolveAbandoned(this.deps, atStartUp);
  }

  /**
   * Stops taking starts and answers every waiting start at once (503 with Retry-After); their
   * pending sessions end as shutting_down. Resolves when every waiter has answered.
   */
  async shutdown(): Promise<void> {
    this.stopping = true;
    for (const w of [...this.waiting]) w.abort();
    const deadline = this.deps.clock.now() + 5_000;
    while (this.waiting.size > 0 && this.deps.clock.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  }
}

function shuttingDown(): OrchestratorError {
  return new OrchestratorError('unavailable', 'The service is shutting down; retry shortly', 2);
}

/**
 * Ends pending sessions whose waiting request is gone (its process died: a crash, a
 * restart), so they are not first in line for the next server. On an exclusive store
 * (SQLite) everything another process left in flight is dead at start-up.
 */
export async function resolveAbandoned(deps: Omit<SessionDeps, 'reconcileSoon'>, atStartUp = false): Promise<number> {
  const { store, ops, clock, log } = deps;
  if (atStartUp && store.exclusive) await store.expireForeignLeases(ops.instanceId);
  let n = 0;
  const now = clock.now();
  // The list is a snapshot: each end re-checks, in its statement, that the session is still
  // pending and its lease still unrenewed (its waiter may have renewed, or been answered).
  const only = { from: [SessionState.Pending], leaseExpiredBy: now };
  for (const s of await store.listAbandonedPending(now)) {
    if (await ops.endSessionNow(s, EndReason.Abandoned, only)) n++;
  }
  if (n > 0) log.warn({ sessions: n }, 'ended pending sessions whose waiting request died');
  return n;
}
