import { EventEmitter } from 'node:events';

/**
 * In-process wake-ups for starts waiting on a session. Only a hint: waiters also poll the
 * store, so a replica that did not see the event still finds out.
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
}
