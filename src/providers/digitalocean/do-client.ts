import type { Logger } from 'pino';
import type { Clock } from '../../util/clock.js';
import { ProviderError } from '../provider.js';
import { fullJitterDelayMs } from './backoff.js';
import { formatHttpError, isRetryableStatus, parseErrorBody, redact } from './do-errors.js';
import type { SharedBudget } from '../provider-module.js';
import { RESERVE_FRACTION, type RateBudget, type RequestPriority } from './rate-budget.js';

export interface DoClientOptions {
  token: string;
  /** Base without the version path, e.g. https://api.digitalocean.com or the emulator's URL. */
  apiUrl: string;
  /** The cloud's name in log lines; default 'digitalocean' (the Hetzner provider uses this client too). */
  label?: string;
  requestTimeoutMs: number;
  /** Extra tries for GET and DELETE after the first; POST is never retried here. */
  maxRetries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Longest we wait for rate budget before failing fast with a retryable error. */
  maxRateWaitMs: number;
  budget: RateBudget;
  /** The token's budget shared with other replicas, asked after `budget` (absent: none). */
  shared?: { budget: SharedBudget; perMinute: number; perHour: number };
  clock: Clock;
  logger: Logger;
  random: () => number;
}

export interface DoRequest {
  method: 'GET' | 'POST' | 'DELETE';
  /** Path starting with the API's version, e.g. /v2/ (DigitalOcean) or /v1/ (Hetzner). */
  path: string;
  query?: Record<string, string | number>;
  body?: unknown;
  priority: RequestPriority;
  /** Non-2xx statuses returned as a response instead of thrown (404 on get/delete). */
  allowStatuses?: number[];
  /** Extra tries for this GET or DELETE, instead of the client's maxRetries. */
  maxRetries?: number;
}

export interface DoResponse<T> {
  status: number;
  body: T;
  requestId: string | null;
}

/**
 * A thin fetch client for DigitalOcean API v2: bearer auth, a timeout per request, the rate
 * budget before every send, and retries with full-jitter backoff for GET and DELETE only.
 * A POST is sent once: a lost response may still have created a droplet (there is no
 * idempotency key), so the caller reconciles by name instead. Errors are ProviderErrors that
 * never contain the token.
 */
export class DoClient {
  private readonly base: string;
  /** Aborted by close(): ends fetches in flight and backoff sleeps, refuses new requests. */
  private readonly closing = new AbortController();
  /** Requests sent, by `METHOD /v2/route/{id}` and outcome (2xx, 4xx, 429, 5xx, timeout, network). */
  readonly calls = new Map<string, { route: string; outcome: string; count: number }>();

  constructor(private readonly opts: DoClientOptions) {
    this.base = opts.apiUrl.replace(/\/+$/, '');
  }

  /** Aborted when the client is closed (for waits elsewhere in the provider). */
  get closedSignal(): AbortSignal {
    return this.closing.signal;
  }

  /**
   * Ends every request in flight and every backoff at once; later requests fail without being
   * sent. A create cut this way is ambiguous (the droplet may exist), as after any timeout.
   */
  close(): void {
    this.closing.abort();
  }

  /** Sends the request (retrying when that is safe) and returns the parsed 2xx body. */
  async request<T>(req: DoRequest): Promise<DoResponse<T>> {
    const retries = req.method === 'POST' ? 0 : (req.maxRetries ?? this.opts.maxRetries);
    for (let attempt = 0; ; attempt++) {
      if (this.closing.signal.aborted) throw this.closedError(req, false);
      try {
        return await this.once<T>(req);
      } catch (err) {
        // Closed while waiting for budget or after a failed attempt: nothing retries now.
        if (this.closing.signal.aborted) throw isClosedError(err) ? err : this.closedError(req, false);
        if (!(err instanceof ProviderError) || !err.opts.retryable || attempt >= retries) throw err;
        const delayMs = fullJitterDelayMs(attempt, this.opts.retryBaseMs, this.opts.retryMaxMs, this.opts.random);
        this.opts.logger.warn(
          { method: req.method, path: req.path, status: err.opts.status, attempt: attempt + 1, delayMs },
          `${this.opts.label ?? 'digitalocean'} request failed, retrying`,
        );
        await this.opts.clock.sleep(delayMs, this.closing.signal);
      }
    }
  }

  private async once<T>(req: DoRequest): Promise<DoResponse<T>> {
    await this.waitForBudget(req);
    const url = this.url(req.path, req.query);
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, {
        method: req.method,
        headers: this.headers(req.body !== undefined),
        body: req.body === undefined ? undefined : JSON.stringify(req.body),
        signal: AbortSignal.any([AbortSignal.timeout(this.opts.requestTimeoutMs), this.closing.signal]),
      });
      text = await res.text();
    } catch (err) {
      if (this.closing.signal.aborted) throw this.closedError(req, true);
      const e = this.transportError(req, err);
      this.count(req, /timed out/.test(e.message) ? 'timeout' : 'network');
      throw e;
    }
    this.count(req, res.status === 429 ? '429' : `${Math.floor(res.status / 100)}xx`);
    this.opts.budget.observe(res.status, res.headers);
    const headerRequestId = res.headers.get('x-request-id');
    if (res.ok || req.allowStatuses?.includes(res.status)) {
      return { status: res.status, body: parseJson<T>(text, req), requestId: headerRequestId };
    }
    const info = parseErrorBody(text, headerRequestId);
    const retryable = isRetryableStatus(res.status);
    const retryAfterS = Number(res.headers.get('retry-after'));
    throw new ProviderError(redact(formatHttpError(req.method, req.path, res.status, info), this.opts.token), {
      status: res.status,
      ...(info.id ? { code: info.id } : {}),
      retryable,
      // A 5xx or 429 on a POST may have been applied by a proxy or after the write.
      ambiguous: retryable && req.method !== 'GET',
      ...(retryAfterS > 0 ? { retryAfterMs: retryAfterS * 1000 } : {}),
    });
  }

  private count(req: DoRequest, outcome: string): void {
    // Ids become {id}, so the label set stays small whatever the fleet's size.
    const route = `${req.method} ${req.path.replace(/\/[0-9]+(?=\/|$)/g, '/{id}')}`;
    const key = `${route}|${outcome}`;
    const c = this.calls.get(key);
    if (c) c.count++;
    else this.calls.set(key, { route, outcome, count: 1 });
  }

  private async waitForBudget(req: DoRequest): Promise<void> {
    const waitMs = this.opts.budget.waitMs(req.priority);
    if (waitMs > this.opts.maxRateWaitMs) {
      // Not ambiguous: nothing was sent.
      throw new ProviderError(`${req.method} ${req.path}: rate budget exhausted, next slot in ${waitMs} ms`, {
        retryable: true,
        retryAfterMs: waitMs,
        status: 429,
      });
    }
    if (waitMs > 0)
      this.opts.logger.debug({ path: req.path, waitMs, priority: req.priority }, 'waiting for rate budget');
    await this.opts.budget.acquire(req.priority);
    await this.waitForSharedBudget(req);
  }

  /**
   * Every replica on the database draws from one budget (issue 22 item 4: three replicas each
   * kept DigitalOcean's 250 a minute and together drew 429s). A database that cannot answer
   * does not stop the call: the in-process budget and the 429 handling still hold.
   */
  private async waitForSharedBudget(req: DoRequest): Promise<void> {
    const shared = this.opts.shared;
    if (!shared) return;
    const started = this.opts.clock.now();
    for (;;) {
      let waitMs: number;
      try {
        waitMs = await this.takeShared(shared, req.priority);
      } catch (err) {
        this.opts.logger.warn(
          { err: (err as Error).message },
          "shared rate budget unavailable; using this replica's own",
        );
        return;
      }
      if (waitMs === 0) return;
      if (this.opts.clock.now() - started + waitMs > this.opts.maxRateWaitMs) {
        throw new ProviderError(`${req.method} ${req.path}: shared rate budget exhausted, next slot in ${waitMs} ms`, {
          retryable: true,
          retryAfterMs: waitMs,
          status: 429,
        });
      }
      this.opts.logger.debug({ path: req.path, waitMs, priority: req.priority }, 'waiting for the shared rate budget');
      await this.opts.clock.sleep(waitMs);
    }
  }

  private async takeShared(shared: NonNullable<DoClientOptions['shared']>, priority: RequestPriority): Promise<number> {
    const frac = RESERVE_FRACTION[priority];
    const minute = await shared.budget.take({
      name: 'minute',
      limit: shared.perMinute,
      windowMs: 60_000,
      reserve: Math.floor(shared.perMinute * frac),
    });
    if (minute > 0) return minute;
    return shared.budget.take({
      name: 'hour',
      limit: shared.perHour,
      windowMs: 3_600_000,
      reserve: Math.floor(shared.perHour * frac),
    });
  }

  /** Not retryable (nothing will retry it); ambiguous when a write was on the wire. */
  private closedError(req: DoRequest, sent: boolean): ProviderError {
    return new ProviderError(`${req.method} ${req.path}${CLOSED}`, {
      retryable: false,
      ambiguous: sent && req.method !== 'GET',
    });
  }

  private transportError(req: DoRequest, err: unknown): ProviderError {
    const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
    const what = timedOut ? `timed out after ${this.opts.requestTimeoutMs} ms` : `network error: ${cause}`;
    return new ProviderError(redact(`${req.method} ${req.path}: ${what}`, this.opts.token), {
      retryable: true,
      ambiguous: req.method !== 'GET',
    });
  }

  private url(path: string, query?: Record<string, string | number>): string {
    const u = new URL(this.base + path);
    for (const [k, v] of Object.entries(query ?? {})) u.searchParams.set(k, String(v));
    return u.toString();
  }

  private headers(hasBody: boolean): Record<string, string> {
    const h: Record<string, string> = { authorization: `Bearer ${this.opts.token}`, accept: 'application/json' };
    if (hasBody) h['content-type'] = 'application/json';
    return h;
  }
}

const CLOSED = ': provider closed';

function isClosedError(err: unknown): boolean {
  return err instanceof ProviderError && err.message.endsWith(CLOSED);
}

function parseJson<T>(text: string, req: DoRequest): T {
  if (!text.trim()) return {} as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    // The write happened but we cannot read what it made: ambiguous for anything but a GET.
    throw new ProviderError(`${req.method} ${req.path}: unreadable success body: ${text.slice(0, 100)}`, {
      retryable: true,
      ambiguous: req.method !== 'GET',
    });
  }
}
