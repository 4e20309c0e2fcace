// @game-orchestrator/client: what a game client needs: start a session, wait until its server
// is ready, join by share code. Plain ESM JavaScript over fetch (no dependencies); types in
// client.d.mts.

/** An error answer from the /v1 API: `{"error": {"code", "message"}}`, or a transport failure. */
export class OrchestratorApiError extends Error {
  constructor(status, code, message, retryAfterS) {
    super(message);
    // Each subclass by its own name (ConflictError, NotFoundError…), as logs and `err.name` checks expect.
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.retryAfterS = retryAfterS;
  }
  /** Worth retrying the same request later (rate limit, no capacity, a server or network failure). */
  get retryable() {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}
export class NotFoundError extends OrchestratorApiError {}
/** 409: the session is full (`session_full`), not ready yet (`session_not_ready`) or ended. */
export class ConflictError extends OrchestratorApiError {}
export class RateLimitedError extends OrchestratorApiError {}
export class UnauthorizedError extends OrchestratorApiError {}
/** The session ended before it became active (waitUntilActive). */
export class SessionEndedError extends OrchestratorApiError {}

const CLASSES = { 401: UnauthorizedError, 404: NotFoundError, 409: ConflictError, 429: RateLimitedError };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class SessionsClient {
  #base;
  #apiKey;
  #fetch;
  #retries;
  #retryBaseMs;
  #timeoutMs;

  /**
   * @param {object} o
   * @param {string} o.url         the orchestrator, e.g. https://play.example.com
   * @param {string} [o.apiKey]    one of CLIENT_API_KEYS, when the orchestrator wants one
   * @param {number} [o.retries]   retries of a start or a look-up after a retryable failure (default 3)
   * @param {number} [o.retryBaseMs] first backoff (default 500 ms; doubles, full jitter; Retry-After wins)
   * @param {number} [o.timeoutMs] per-request timeout beyond any long-poll (default 10 000 ms)
   */
  constructor({ url, apiKey, retries = 3, retryBaseMs = 500, timeoutMs = 10_000, fetch: fetchFn = globalThis.fetch }) {
    this.#base = url.replace(/\/+$/, '');
    this.#apiKey = apiKey;
    this.#fetch = fetchFn;
    this.#retries = retries;
    this.#retryBaseMs = retryBaseMs;
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Starts a session. Retried on retryable failures with the same Idempotency-Key (a fresh
   * random one unless given), so a retry never makes a second session.
   */
  async start({
    maxPlayers,
    metadata,
    public: isPublic,
    mode,
    attributes,
    region,
    latencies,
    maxLatencyMs,
    idempotencyKey = globalThis.crypto.randomUUID(),
  } = {}) {
    const body = {};
    if (maxPlayers !== undefined) body.max_players = maxPlayers;
    if (metadata !== undefined) body.metadata = metadata;
    if (isPublic !== undefined) body.public = isPublic;
    if (mode !== undefined) body.mode = mode;
    if (attributes !== undefined) body.attributes = attributes;
    if (region !== undefined) body.region = region;
    if (latencies !== undefined) body.latencies = latencies;
    if (maxLatencyMs !== undefined) body.max_latency_ms = maxLatencyMs;
    return this.#withRetries(() =>
      this.#call('POST', '/v1/sessions', { body, headers: { 'Idempotency-Key': idempotencyKey } }),
    );
  }

  /** The session as it is now. */
  get(code) {
    return this.#withRetries(() => this.#call('GET', `/v1/sessions/${encodeURIComponent(code)}`));
  }

  /**
   * Long-polls until the session is active (resolves with it) or ended (SessionEndedError), at
   * most timeoutMs in all.
   */
  async waitUntilActive(code, { timeoutMs = 120_000, pollS = 25 } = {}) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = deadline - Date.now();
      const waitS = Math.max(0, Math.min(pollS, Math.floor(left / 1000)));
      const s = await this.#withRetries(() =>
        this.#call('GET', `/v1/sessions/${encodeURIComponent(code)}?wait=${waitS}&state=pending`, {
          extraTimeoutMs: waitS * 1000,
        }),
      );
      if (s.state === 'active') return s;
      if (s.state === 'ended')
        throw new SessionEndedError(200, 'session_ended', `The session ended before it was ready (${s.end_reason})`);
      if (Date.now() >= deadline)
        throw new OrchestratorApiError(0, 'timeout', `The session was not ready within ${timeoutMs} ms`);
    }
  }

  /** start() then waitUntilActive(): a session with a server to connect to. */
  async startAndWait(opts = {}) {
    const s = await this.start(opts);
    return s.state === 'active' ? s : this.waitUntilActive(s.code, opts);
  }

  /**
   * Reserves a seat: where to connect, and `seat` {player_id, token, expires_at, again}. Show
   * the token to the game server (connect before expires_at). With `playerId` (or the
   * `seatToken` of a seat held before) a player who dropped gets their seat back, even when the
   * session is full. ConflictError when full or not ready, NotFoundError when unknown or ended.
   */
  join(code, { playerId, seatToken } = {}) {
    const body = {};
    if (playerId !== undefined) body.player_id = playerId;
    if (seatToken !== undefined) body.seat_token = seatToken;
    return this.#call('POST', `/v1/sessions/${encodeURIComponent(code.trim())}/join`, { body });
  }

  /**
   * Public sessions with a free seat: `{items: [{code, mode, region, latency_ms, attributes,
   * players, max_players, free_seats, created_at}], next_cursor}`. Filter by mode and attributes
   * (all must equal), and by where the players are, as start() takes it: `region`, or
   * `latencies` (one map region → ms, or one per player: the worst counts) with `maxLatencyMs`:
   * only regions within it, best first.
   */
  lobbies({ mode, attributes = {}, limit, cursor, region, latencies, maxLatencyMs } = {}) {
    const q = new URLSearchParams();
    if (mode !== undefined) q.set('mode', mode);
    for (const [k, v] of Object.entries(attributes)) q.set(`attr.${k}`, v);
    if (region !== undefined) q.set('region', region);
    // Each player's map as region:ms pairs, players separated by ';'.
    if (latencies !== undefined)
      q.set(
        'latencies',
        (Array.isArray(latencies) ? latencies : [latencies])
          .map((m) =>
            Object.entries(m)
              .map(([r, ms]) => `${r}:${ms}`)
              .join(','),
          )
          .join(';'),
      );
    if (maxLatencyMs !== undefined) q.set('max_latency_ms', String(maxLatencyMs));
    if (limit !== undefined) q.set('limit', String(limit));
    if (cursor !== undefined && cursor !== null) q.set('cursor', cursor);
    const qs = q.toString();
    return this.#withRetries(() => this.#call('GET', `/v1/lobbies${qs ? `?${qs}` : ''}`));
  }

  /**
   * A seat in the fullest public session of `mode` with room, or in a new one. Not retried (a
   * retry could seat the player twice). When the session's server is still coming (its `seat`
   * has no token yet) and `wait` (default true), waits until it is active and then joins it with
   * the same player id, which hands the seat's token: the answer is then a join's. `region`, or
   * `latencies` with `maxLatencyMs`, as start(): a session in the best region within reach, or
   * a new one placed as start() places it.
   */
  async quickJoin({ mode, playerId, maxPlayers, region, latencies, maxLatencyMs, wait = true, ...waitOpts } = {}) {
    const body = { mode };
    if (playerId !== undefined) body.player_id = playerId;
    if (maxPlayers !== undefined) body.max_players = maxPlayers;
    if (region !== undefined) body.region = region;
    if (latencies !== undefined) body.latencies = latencies;
    if (maxLatencyMs !== undefined) body.max_latency_ms = maxLatencyMs;
    const s = await this.#call('POST', '/v1/quick-join', { body });
    if (s.seat.token !== null || !wait) return s;
    await this.waitUntilActive(s.code, waitOpts);
    return this.join(s.code, { playerId: s.seat.player_id });
  }

  /** The fleet's regions: `{items: [{name, state, ready_servers, ping_target, default, refusing_until}]}`. */
  regions() {
    return this.#withRetries(() => this.#call('GET', '/v1/regions'));
  }

  /**
   * Times each region's ping target: one untimed request to open the connection, then `samples`
   * requests one after another, each timed to its response headers; the median, in whole ms.
   * Regions are timed in parallel. A region whose target fails or times out is left out, so it
   * is no candidate for start({ latencies }).
   */
  async measureLatencies({ samples = 5, timeoutMs = 2000, regions } = {}) {
    const list = regions ?? (await this.regions()).items;
    const timeOnce = async (url) => {
      const t0 = performance.now();
      const res = await this.#fetch(url, { method: 'GET', cache: 'no-store', signal: AbortSignal.timeout(timeoutMs) });
      const ms = performance.now() - t0;
      await res.body?.cancel().catch(() => {});
      if (res.status >= 500) throw new Error(`HTTP ${res.status}`);
      return ms;
    };
    const measured = await Promise.all(
      list.map(async (r) => {
        try {
          await timeOnce(r.ping_target);
          const times = [];
          for (let i = 0; i < Math.max(1, samples); i++) times.push(await timeOnce(r.ping_target));
          times.sort((a, b) => a - b);
          const mid = times.length >> 1;
          const median = times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
          return [r.name, Math.round(median)];
        } catch {
          return null;
        }
      }),
    );
    return Object.fromEntries(measured.filter((m) => m !== null));
  }

  async #withRetries(fn) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (!(err instanceof OrchestratorApiError) || !err.retryable || attempt >= this.#retries) throw err;
        const backoff = Math.random() * this.#retryBaseMs * 2 ** attempt;
        await sleep(err.retryAfterS !== undefined ? err.retryAfterS * 1000 : backoff);
      }
    }
  }

  async #call(method, path, { body, headers = {}, extraTimeoutMs = 0 } = {}) {
    const h = { accept: 'application/json', ...headers };
    if (this.#apiKey) h['X-Api-Key'] = this.#apiKey;
    if (body !== undefined) h['content-type'] = 'application/json';
    let res;
    try {
      res = await this.#fetch(this.#base + path, {
        method,
        headers: h,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.#timeoutMs + extraTimeoutMs),
      });
    } catch (err) {
      throw new OrchestratorApiError(
        0,
        'network',
        `Cannot reach the orchestrator: ${err?.cause?.code ?? err?.message ?? err}`,
      );
    }
    const text = await res.text();
    let parsed;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    if (res.ok) return parsed;
    const retryAfter = Number(res.headers.get('retry-after'));
    const Cls = CLASSES[res.status] ?? OrchestratorApiError;
    const e = parsed?.error;
    throw new Cls(
      res.status,
      e?.code ?? `http_${res.status}`,
      e?.message ?? `HTTP ${res.status}`,
      Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
    );
  }
}
