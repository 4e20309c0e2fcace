import type { ServerResponse } from 'node:http';
import type { FleetEvent } from '../domain/events.js';
import type { Clock } from '../util/clock.js';
import { eventJson } from './event-json.js';
import type { EventTail } from './event-tail.js';

export interface SseSettings {
  heartbeatMs: number;
  /** A client this many bytes behind is dropped (it resumes with Last-Event-ID). */
  maxBufferBytes: number;
  /** Events read per query. */
  batch?: number;
}

interface Stream {
  res: ServerResponse;
  closed: AbortController;
  wake: AbortController;
}

/**
 * Server-sent-event streams of the outbox. Each stream has its own cursor and reads the
 * store by it when the tail moves (this process's commits at once, other replicas' within
 * the tail's poll period), so a stream sees every committed event in id order, whoever
 * committed it. A stream writes at most one batch ahead of its client: it waits for the
 * socket to drain before reading more, and drops a client that stays behind.
 */
export class SseHub {
  private readonly streams = new Set<Stream>();
  private closing = false;

  constructor(
    private readonly d: {
      events: { listEvents(afterId: number, limit: number): Promise<FleetEvent[]> };
      tail: EventTail;
      clock: Clock;
    },
    private readonly s: SseSettings,
  ) {}

  get size(): number {
    return this.streams.size;
  }

  /** Serves one stream on a raw response until the client leaves or the hub closes. */
  async serve(res: ServerResponse, afterId: number): Promise<void> {
    if (this.closing) {
      res
        .writeHead(503, { 'content-type': 'application/json' })
        .end('{"error":{"code":"unavailable","message":"Shutting down."}}');
      return;
    }
    const st: Stream = { res, closed: new AbortController(), wake: new AbortController() };
    this.streams.add(st);
    const unsubscribe = this.d.tail.subscribe(() => st.wake.abort());
    res.on('close', () => st.closed.abort());
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    try {
      await this.pump(st, afterId);
    } catch {
      // A store error or a broken socket ends the stream; the client reconnects and resumes.
    } finally {
      unsubscribe();
      this.streams.delete(st);
      if (!res.writableEnded) res.end();
    }
  }

  /** Ends every stream (shutdown); clients reconnect elsewhere with Last-Event-ID. */
  close(): void {
    this.closing = true;
    for (const st of this.streams) st.closed.abort();
  }

  private async pump(st: Stream, afterId: number): Promise<void> {
    const batch = this.s.batch ?? 500;
    let cursor = afterId;
    let lastWriteMs = this.d.clock.now();
    while (!st.closed.signal.aborted) {
      if (st.wake.signal.aborted) st.wake = new AbortController();
      const events = await this.d.events.listEvents(cursor, batch);
      for (const e of events) {
        st.res.write(`id: ${e.id}\nevent: ${e.kind}\ndata: ${JSON.stringify(eventJson(e))}\n\n`);
        cursor = e.id;
      }
      if (events.length > 0) {
        lastWriteMs = this.d.clock.now();
        if (!(await this.drained(st))) return;
        if (events.length === batch) continue;
      }
      const idleMs = this.d.clock.now() - lastWriteMs;
      if (idleMs >= this.s.heartbeatMs) {
        st.res.write(': keep-alive\n\n');
        lastWriteMs = this.d.clock.now();
        if (!(await this.drained(st))) return;
        continue;
      }
      // More arrived while this batch was written: read again (never spin on an empty read).
      if (events.length > 0 && this.d.tail.headId > cursor) continue;
      await this.d.clock.sleep(this.s.heartbeatMs - idleMs, AbortSignal.any([st.closed.signal, st.wake.signal]));
    }
  }

  /**
   * True once the socket has taken what was written; false (and the stream dropped) when
   * the client is too far behind or does not read for two heartbeat periods.
   */
  private async drained(st: Stream): Promise<boolean> {
    const { res } = st;
    if (res.writableLength > this.s.maxBufferBytes) {
      res.destroy();
      return false;
    }
    if (!res.writableNeedDrain) return true;
    const ok = await new Promise<boolean>((resolve) => {
      const done = (v: boolean) => {
        res.off('drain', onDrain);
        st.closed.signal.removeEventListener('abort', onClose);
        clearTimeout(timer);
        resolve(v);
      };
      const onDrain = () => done(true);
      const onClose = () => done(false);
      const timer = setTimeout(() => done(false), this.s.heartbeatMs * 2);
      res.on('drain', onDrain);
      st.closed.signal.addEventListener('abort', onClose, { once: true });
    });
    if (!ok) res.destroy();
    return ok;
  }
}
