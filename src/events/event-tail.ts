import type { FleetEvent } from '../domain/events.js';
import type { Clock } from '../util/clock.js';

/** What the tail reads: the newest committed event id, and this process's commits. */
export interface EventSource {
  lastEventId(): Promise<number>;
  onEvents(listener: (events: readonly FleetEvent[]) => void): () => void;
}

export type HeadListener = (headId: number) => void;

/**
 * Knows the newest event id readers may pass (`lastEventId()`) and tells consumers (SSE
 * streams, webhook deliverers) when it moves. This process's commits make it look again at
 * once (onEvents); other replicas' commits are found by polling every pollMs: one cheap query
 * per process, however many consumers listen. Consumers then read by their own cursor. A
 * commit's own ids are not taken as the head: on PostgreSQL they may lie above what readers
 * may pass yet (an older transaction still running, see event-queries.ts), and a head set too
 * high would not move, and wake no one, when that transaction commits.
 */
export class EventTail {
  private head = 0;
  private readonly listeners = new Set<HeadListener>();
  private stopped = new AbortController();
  private loop: Promise<void> | null = null;
  private unsubscribe: (() => void) | null = null;
  /** A look in flight, and whether another is due after it (commits during the look). */
  private looking: Promise<void> | null = null;
  private lookAgain = false;

  constructor(
    private readonly source: EventSource,
    private readonly clock: Clock,
    private readonly pollMs: number,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  /** The newest event id known. */
  get headId(): number {
    return this.head;
  }

  /** The head read now (a new stream's "from now on"): what a reader may pass at this moment. */
  async currentHead(): Promise<number> {
    this.advance(await this.source.lastEventId());
    return this.head;
  }

  async start(): Promise<void> {
    if (this.loop) return;
    this.unsubscribe = this.source.onEvents(() => this.look());
    this.head = Math.max(this.head, await this.source.lastEventId());
    this.loop = this.poll();
  }

  subscribe(listener: HeadListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async stop(): Promise<void> {
    this.stopped.abort();
    this.unsubscribe?.();
    await this.loop;
    await this.looking;
    this.listeners.clear();
  }

  /**
   * Reads the head now; calls made while a read is in flight share one more read after it. With
   * no one listening there is no one to wake: the poll keeps the head (a new stream's "now") at
   * most pollMs old, and a commit costs no query.
   */
  private look(): void {
    if (this.stopped.signal.aborted || this.listeners.size === 0) return;
    if (this.looking) {
      this.lookAgain = true;
      return;
    }
    this.looking = (async () => {
      do {
        this.lookAgain = false;
        try {
          this.advance(await this.source.lastEventId());
        } catch (err) {
          this.onError(err);
        }
      } while (this.lookAgain && !this.stopped.signal.aborted);
      this.looking = null;
    })();
  }

  private advance(id: number): void {
    if (id <= this.head) return;
    this.head = id;
    for (const l of this.listeners) {
      try {
        l(id);
      } catch (err) {
        this.onError(err);
      }
    }
  }

  private async poll(): Promise<void> {
    const signal = this.stopped.signal;
    while (!signal.aborted) {
      await this.clock.sleep(this.pollMs, signal);
      if (signal.aborted) break;
      try {
        this.advance(await this.source.lastEventId());
      } catch (err) {
        this.onError(err);
      }
    }
  }
}
