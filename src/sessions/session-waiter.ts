import { EventEmitter } from 'node:events';
import { EventKind } from '../domain/events.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';

/**
 * In-process wake-ups for requests waiting on a session (a start, a long-poll). Only a hint:
 * waiters also re-read the store every poll, so a replica that did not see the event still
 * finds out. Woken only from the outbox (wakeFromOutbox), after commit.
 */
export class SessionWaiter {
  private readonly events = new EventEmitter();
  constructor() {
    this.events.setMaxListeners(0);
  }

  /** Resolves when notify(sessionId) is called or the signal aborts. */
  wait(sessionId: string, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const done = () => {
        this.events.off(sessionId, done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.events.on(sessionId, done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  notify(sessionId: string): void {
    this.events.emit(sessionId);
  }

  /** After commit, from the outbox: a session that got a server or ended wakes its waiters. */
  wakeFromOutbox(store: Pick<Store, 'onEvents'>): void {
    store.onEvents((events) => {
      for (const e of events) {
        if ((e.kind === EventKind.SessionAssigned || e.kind === EventKind.SessionEnded) && e.sessionId)
          this.notify(e.sessionId);
      }
    });
  }

  /**
   * The one wait of every loop that waits on a session: until it is woken, `pollMs` passes,
   * or `signal` aborts. The caller re-reads the session after.
   */
  async waitForChange(clock: Clock, sessionId: string, pollMs: number, signal?: AbortSignal): Promise<void> {
    const ac = new AbortController();
    const stop = () => ac.abort();
    signal?.addEventListener('abort', stop, { once: true });
    if (signal?.aborted) ac.abort();
    await Promise.race([this.wait(sessionId, ac.signal), clock.sleep(Math.max(0, pollMs), ac.signal)]);
    ac.abort();
    signal?.removeEventListener('abort', stop);
  }
}
