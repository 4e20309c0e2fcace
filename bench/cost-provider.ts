import type { Machine, MachineSpec, Provider } from '../src/providers/provider.js';

/**
 * The real provider, with a count of calls in flight, so the cost simulation can let every
 * HTTP call to the emulator finish before it moves the fake clock again (the orchestrator
 * starts some of them in the background: launches after a start, teardowns after an end).
 */
export class SettlingProvider implements Provider {
  readonly name: Provider['name'];
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly inner: Provider) {
    this.name = inner.name;
  }

  create(spec: MachineSpec): Promise<Machine> {
    return this.track(this.inner.create(spec));
  }

  list(): Promise<Machine[]> {
    return this.track(this.inner.list());
  }

  get(providerId: string): Promise<Machine | null> {
    return this.track(this.inner.get(providerId));
  }

  delete(providerId: string): Promise<'gone' | 'pending'> {
    return this.track(this.inner.delete(providerId));
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  apiBudgetLeft(): { minute: number; hour: number } {
    return this.inner.apiBudgetLeft?.() ?? { minute: Infinity, hour: Infinity };
  }

  /**
   * Resolves once no call is in flight and the event loop has had a few turns to act on the
   * answers, or after `maxRealMs` of real time (a call waiting on the fake clock, such as a
   * backoff, finishes after a later step instead of blocking this one).
   */
  async settle(maxRealMs = 200): Promise<void> {
    const deadline = performance.now() + maxRealMs;
    for (let quiet = 0; quiet < 3 && performance.now() < deadline;) {
      await new Promise<void>((r) => setImmediate(r));
      if (this.inFlight.size === 0) {
        quiet++;
        continue;
      }
      quiet = 0;
      const left = deadline - performance.now();
      await Promise.race([
        Promise.allSettled([...this.inFlight]),
        new Promise((r) => setTimeout(r, Math.max(0, left))),
      ]);
    }
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    void p.then(
      () => this.inFlight.delete(p),
      () => this.inFlight.delete(p),
    );
    return p;
  }
}
