import type { Clock } from '../util/clock.js';

export interface PassSchedulerOptions<R> {
  clock: Clock;
  intervalMs: number;
  /** Least time from one pass's start to a triggered one, so bursts of asks cannot hammer the provider. */
  minTriggerGapMs: number;
  /** One pass; must not throw (a throw is swallowed and the loop goes on). */
  pass: () => Promise<R>;
  /** Whether to run again at once (a capped pass that made progress). */
  again: (r: R) => boolean;
}

/**
 * When passes run: never two at once, a pass at start then every interval, sooner when
 * triggered (asks coalesce) or when a capped pass asks for more. Sleeps go through the
 * injected clock with an AbortSignal, so a fake clock drives the loop and stop() is prompt.
 */
export class PassScheduler<R> {
  private running: Promise<R> | null = null;
  private queued: Promise<R> | null = null;
  private loopDone: Promise<void> | null = null;
  private stopping = false;
  private triggered = false;
  private lastStartMs = Number.NEGATIVE_INFINITY;
  /** Aborts the current sleep; `interruptible` says whether a trigger may cut it short. */
  private sleeper: { ac: AbortController; interruptible: boolean } | null = null;

  constructor(private readonly o: PassSchedulerOptions<R>) {}

  start(): void {
    if (this.loopDone) return;
    this.stopping = false;
    this.loopDone = this.loop().finally(() => {
      this.loopDone = null;
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.sleeper?.ac.abort();
    await this.loopDone;
    await this.queued?.catch(() => undefined);
    await this.running?.catch(() => undefined);
  }

  trigger(): void {
    if (!this.loopDone || this.stopping) return;
    this.triggered = true;
    if (this.sleeper?.interruptible) this.sleeper.ac.abort();
  }

  runPass(): Promise<R> {
    if (this.queued) return this.queued;
    if (!this.running) return this.begin();
    const after = this.running.catch(() => undefined);
    this.queued = after.then(() => {
      this.queued = null;
      return this.begin();
    });
    return this.queued;
  }

  private begin(): Promise<R> {
    this.lastStartMs = this.o.clock.now();
    const p = this.o.pass().finally(() => {
      if (this.running === p) this.running = null;
    });
    this.running = p;
    return p;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      this.triggered = false;
      let again = false;
      try {
        again = this.o.again(await this.runPass());
      } catch {
        // pass() records its own failures; the loop must outlive any surprise.
      }
      if (this.stopping) break;
      if (again) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        continue;
      }
      if (!this.triggered) await this.sleep(this.o.intervalMs, true);
      const gapMs = this.lastStartMs + this.o.minTriggerGapMs - this.o.clock.now();
      if (this.triggered && gapMs > 0) await this.sleep(gapMs, false);
    }
  }

  private async sleep(ms: number, interruptible: boolean): Promise<void> {
    if (this.stopping) return;
    const ac = new AbortController();
    this.sleeper = { ac, interruptible };
    try {
      await this.o.clock.sleep(ms, ac.signal);
    } finally {
      this.sleeper = null;
    }
  }
}
