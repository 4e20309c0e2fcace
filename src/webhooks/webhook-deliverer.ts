import { createHash } from 'node:crypto';
import type { FleetEvent } from '../domain/events.js';
import { eventJson, kindMatcher } from '../events/event-json.js';
import type { EventTail } from '../events/event-tail.js';
import type { Clock } from '../util/clock.js';
import type { WebhookLedger, WebhookTargetState } from './webhook-ledger.js';
import { WEBHOOK_HEADERS, webhookSignature } from './webhook-signature.js';

export interface WebhookSettings {
  urls: readonly string[];
  secret: string;
  kinds: readonly string[] | null;
  timeoutMs: number;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  leaseMs: number;
  /** Longest idle wait before looking again (other replicas' events arrive by polling). */
  pollMs: number;
}

export type DeliveryOutcome = 'delivered' | 'failed' | 'dead';

export interface WebhookDelivererDeps {
  ledger: WebhookLedger;
  events: { listEvents(afterId: number, limit: number): Promise<FleetEvent[]>; lastEventId(): Promise<number> };
  tail: EventTail;
  clock: Clock;
  /** This process, as the owner of the leases it takes. */
  owner: string;
  log: { warn(obj: object, msg: string): void };
  onOutcome?: (outcome: DeliveryOutcome, kind: string) => void;
}

interface Target {
  id: string;
  url: string;
  hint: string;
  /** Aborted when the tail moves, to end an idle wait early. */
  wake: AbortController;
}

/** What a step asks the loop to do next. */
type Next = { waitMs: number; wakeable: boolean };

/** Events read per step; delivery is one event per request, in id order. */
const BATCH = 100;

/** A URL's row id: a hash, so the URL (which may carry a token) is not stored. */
export function webhookTargetId(url: string): string {
  return createHash('sha256').update(url).digest('hex').slice(0, 16);
}

/** The URL without credentials or query, for operators' eyes. */
export function webhookUrlHint(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

/**
 * Delivers the outbox to each webhook URL, at least once and in event order per URL. One
 * loop per URL: take the URL's lease (one replica delivers to a URL at a time), read events
 * after its cursor, POST each one signed; on success the cursor moves, on failure the event
 * is retried after an exponential backoff, and after the last attempt it becomes a dead
 * letter and the cursor moves on. Nothing here runs in a request: a start never waits on it.
 */
export class WebhookDeliverer {
  private readonly targets: Target[];
  private readonly closing = new AbortController();
  private readonly matches: (kind: string) => boolean;
  private loops: Promise<void>[] = [];
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly s: WebhookSettings,
    private readonly d: WebhookDelivererDeps,
  ) {
    this.targets = s.urls.map((url) => ({
      id: webhookTargetId(url),
      url,
      hint: webhookUrlHint(url),
      wake: new AbortController(),
    }));
    this.matches = kindMatcher(s.kinds);
  }

  async start(): Promise<void> {
    if (this.targets.length === 0) return;
    const head = await this.d.events.lastEventId();
    // A URL seen for the first time starts at the newest event, not at the whole history.
    for (const t of this.targets) await this.d.ledger.ensureTarget(t.id, t.hint, head);
    this.unsubscribe = this.d.tail.subscribe(() => {
      for (const t of this.targets) t.wake.abort();
    });
    this.loops = this.targets.map((t) => this.run(t));
  }

  /** Stops after the attempt in flight (bounded by timeoutMs) and gives the leases up. */
  async close(): Promise<void> {
    this.closing.abort();
    this.unsubscribe?.();
    await Promise.all(this.loops);
  }

  /** Delivery state of the configured URLs. */
  async status(): Promise<WebhookTargetState[]> {
    const ids = new Set(this.targets.map((t) => t.id));
    return (await this.d.ledger.listTargets()).filter((t) => ids.has(t.id));
  }

  private async run(t: Target): Promise<void> {
    const closing = this.closing.signal;
    while (!closing.aborted) {
      let next: Next;
      try {
        next = await this.step(t);
      } catch (err) {
        this.d.log.warn({ target: t.hint, err: (err as Error).message }, 'webhook delivery step failed');
        next = { waitMs: this.s.pollMs, wakeable: false };
      }
      if (next.waitMs <= 0 || closing.aborted) continue;
      if (next.wakeable) {
        if (t.wake.signal.aborted) t.wake = new AbortController();
        await this.d.clock.sleep(next.waitMs, AbortSignal.any([closing, t.wake.signal]));
      } else {
        await this.d.clock.sleep(next.waitMs, closing);
      }
    }
    await this.d.ledger.release(t.id, this.d.owner).catch(() => {});
  }

  private async step(t: Target): Promise<Next> {
    const { ledger, clock, owner } = this.d;
    const now = clock.now();
    const leaseUntil = now + this.s.leaseMs;
    const state = await ledger.claim(t.id, owner, now, leaseUntil);
    if (!state) return { waitMs: this.s.pollMs, wakeable: false };
    if (state.nextAttemptAtMs > now) return { waitMs: state.nextAttemptAtMs - now, wakeable: false };
    // A wake that comes after this read must not be lost: start the wait afresh.
    if (t.wake.signal.aborted) t.wake = new AbortController();
    const events = await this.d.events.listEvents(state.cursor, BATCH);
    if (events.length === 0) return { waitMs: this.s.pollMs, wakeable: true };
    let attempts = state.attempts;
    let skipTo = 0;
    for (const e of events) {
      if (this.closing.signal.aborted) break;
      if (!this.matches(e.kind)) {
        skipTo = e.id;
        continue;
      }
      if (skipTo > 0 && !(await ledger.skipTo(t.id, owner, skipTo))) return { waitMs: this.s.pollMs, wakeable: false };
      skipTo = 0;
      // Renew the lease before an attempt that could outlast it.
      if (clock.now() + this.s.timeoutMs >= leaseUntil) return { waitMs: 0, wakeable: false };
      const body = JSON.stringify(eventJson(e));
      const r = await this.post(t.url, e, body);
      const at = clock.now();
      if (r.ok) {
        if (!(await ledger.delivered(t.id, owner, e.id, at, r.status!)))
          return { waitMs: this.s.pollMs, wakeable: false };
        this.d.onOutcome?.('delivered', e.kind);
        attempts = 0;
        continue;
      }
      attempts++;
      if (attempts >= this.s.maxAttempts) {
        const letter = {
          eventId: e.id,
          kind: e.kind,
          deadAtMs: at,
          attempts,
          lastStatus: r.status,
          lastError: r.error,
          body,
        };
        if (!(await ledger.deadLetter(t.id, owner, letter))) return { waitMs: this.s.pollMs, wakeable: false };
        this.d.log.warn(
          { target: t.hint, eventId: e.id, kind: e.kind, attempts, error: r.error },
          'webhook dead letter',
        );
        this.d.onOutcome?.('dead', e.kind);
        attempts = 0;
        continue;
      }
      const waitMs = this.backoffMs(attempts);
      await ledger.failed(t.id, owner, { nowMs: at, status: r.status, error: r.error }, at + waitMs);
      this.d.onOutcome?.('failed', e.kind);
      return { waitMs, wakeable: false };
    }
    if (skipTo > 0) await ledger.skipTo(t.id, owner, skipTo);
    return { waitMs: 0, wakeable: false };
  }

  /** base·2^(n−1), capped, with up to 20 % taken off at random so URLs do not retry in step. */
  private backoffMs(failures: number): number {
    const raw = Math.min(this.s.backoffMaxMs, this.s.backoffBaseMs * 2 ** Math.min(failures - 1, 40));
    return Math.max(1, Math.round(raw * (1 - Math.random() * 0.2)));
  }

  private async post(
    url: string,
    e: FleetEvent,
    body: string,
  ): Promise<{ ok: boolean; status: number | null; error: string }> {
    const ts = String(Math.floor(this.d.clock.now() / 1000));
    try {
      const res = await fetch(url, {
        method: 'POST',
        body,
        redirect: 'manual',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'game-orchestrator-webhooks',
          [WEBHOOK_HEADERS.timestamp]: ts,
          [WEBHOOK_HEADERS.signature]: webhookSignature(this.s.secret, ts, body),
          [WEBHOOK_HEADERS.id]: String(e.id),
          [WEBHOOK_HEADERS.kind]: e.kind,
        },
        signal: AbortSignal.any([AbortSignal.timeout(this.s.timeoutMs), this.closing.signal]),
      });
      await res.body?.cancel().catch(() => {});
      const ok = res.status >= 200 && res.status < 300;
      return { ok, status: res.status, error: ok ? '' : `HTTP ${res.status}` };
    } catch (err) {
      return { ok: false, status: null, error: describeFetchError(err) };
    }
  }
}

/** A short reason that never repeats the URL (it may carry a token). */
function describeFetchError(err: unknown): string {
  const e = err as { name?: string; cause?: { code?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'timed out';
  return e.cause?.code ? `network error (${e.cause.code})` : 'network error';
}
