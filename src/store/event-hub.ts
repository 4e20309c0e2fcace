import type { FleetEvent } from '../domain/events.js';

export type EventListener = (events: readonly FleetEvent[]) => void;

/**
 * Hands the events of each committed transaction to this process's listeners, after the
 * commit. A listener that throws is reported and skipped; it never undoes the commit or
 * stops the other listeners.
 */
export class EventHub {
  private readonly listeners = new Set<EventListener>();
  constructor(private readonly onListenerError: (err: unknown) => void = () => {}) {}

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(events: readonly FleetEvent[]): void {
    if (events.length === 0) return;
    for (const l of this.listeners) {
      try {
        l(events);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }
}
