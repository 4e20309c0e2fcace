import type { FleetEvent } from '../domain/events.js';
import type { Clock } from '../util/clock.js';

/** What the tail reads: the newest committed event id, and this process's commits. */
export interface EventSource {
  lastEventId(): Promise<number>;
  onEvents(listener: (events: readonly FleetEvent[]) => void): () => void;
}

export type HeadListener = (headId: number) => void;

/**
 * Knows the newest event id in the outbox and tells consumers (SSE streams, webhook
 * deliverers) when it moves. This process's commits wake it at once (onEvents); other
 * replicas' commits are found by polling `lastEventId()` every pollMs: one cheap query per
 * process, however many consumers listen. Consumers then read by their own cursor.
 */
export class EventTail {
  private head = 0;
  private readonly listeners = new Set<HeadListener>();
  private stopped = new AbortController();
  private loop: Promise<void> | null = null;
  private unsubscribe: (() => void) | null = null;

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

  async start(): Promise<void> {
    if (this.loop) return;
    this.unsubscribe = this.source.onEvents((events) => this.advance(events[events.length - 1]!.id));
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
    this.listeners.clear();
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
