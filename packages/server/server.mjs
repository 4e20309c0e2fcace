// @game-orchestrator/server: what a game server needs to talk to the orchestrator.
// Plain ESM JavaScript over Node's fetch and node:crypto (no dependencies), so a game server
// runs it as it is; types in server.d.mts.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The headers that authenticate one request: Request-Timestamp and Request-Signature =
 * lower-case hex HMAC-SHA256(key, METHOD \n PATH \n QUERY \n TIMESTAMP \n hex(SHA-256(body))).
 * PATH has no query; QUERY is the raw query without '?'. Signatures are single-use.
 */
export function signRequest({ method, path, query = '', body = '', key, serverId, timestampS }) {
  if (!key) throw new Error('signRequest: a key is required');
  const timestamp = String(timestampS ?? Math.floor(Date.now() / 1000));
  const bodyHash = createHash('sha256').update(body).digest('hex');
  const canonical = `${method.toUpperCase()}\n${path}\n${query}\n${timestamp}\n${bodyHash}`;
  const signature = createHmac('sha256', key).update(canonical, 'utf8').digest('hex');
  const headers = { 'Request-Timestamp': timestamp, 'Request-Signature': signature };
  if (serverId) headers['Server-Id'] = serverId;
  return headers;
}

/**
 * The key a server's seat tokens are signed with: HMAC-SHA256(key = the server's signing key
 * (SERVER_CREDENTIAL, or the shared key), message = "seat-token-v1"), 32 raw bytes.
 */
export function seatTokenKey(key) {
  return createHmac('sha256', key).update('seat-token-v1', 'utf8').digest();
}

/**
 * Checks a seat token offline: `body.mac`, body = base64url(JSON {v:1, s: session code, p:
 * player id, e: expiry in Unix seconds}), mac = base64url(HMAC-SHA256(seatTokenKey(key), body)).
 * The MAC is compared in constant time first; then the expiry (at nowS) and the session (when
 * given; null = this server holds no session, so no token is good). Never throws.
 * Resolves to {ok: true, player, session, expiresAtS} or {ok: false, reason} with reason one of
 * 'malformed', 'forged', 'expired', 'wrong_session'.
 */
export function verifySeatToken(key, token, { session, nowS = Date.now() / 1000 } = {}) {
  if (typeof token !== 'string' || token.length > 1024) return { ok: false, reason: 'malformed' };
  const dot = token.indexOf('.');
  if (dot <= 0) return { ok: false, reason: 'malformed' };
  const body = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  const expected = createHmac('sha256', seatTokenKey(key)).update(body, 'ascii').digest();
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'forged' };
  let claims;
  try {
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const { v, s, p, e } = claims ?? {};
  if (v !== 1 || typeof s !== 'string' || typeof p !== 'string' || typeof e !== 'number')
    return { ok: false, reason: 'malformed' };
  if (nowS >= e) return { ok: false, reason: 'expired' };
  if (session === null || (session !== undefined && s.toUpperCase() !== String(session).toUpperCase()))
    return { ok: false, reason: 'wrong_session' };
  return { ok: true, player: p, session: s, expiresAtS: e };
}

const sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

/**
 * A game server's side of the orchestrator: signed heartbeat, ready and end calls, a heartbeat
 * loop with backoff, and a stop on SIGTERM.
 *
 * api 'v1' (default when serverId is set): /v1/servers/{id}/heartbeat|ready|end.
 * api 'original': /server/heartbeat and /server/end by address (a studio's own server signed
 * with the shared key, or a server image written for the original service).
 */
export class GameServerAgent {
  #origin;
  #basePath;
  #key;
  #serverId;
  #api;
  #publicIp;
  #timeoutMs;
  #fetch;
  // A signature covers only the second it was made in; two identical requests in one second
  // would be refused as a replay, so the second one waits for the next second.
  #second = 0;
  #usedThisSecond = new Set();
  #loop = null;
  /** The share code of the session this server holds, as the last /v1 heartbeat answer said (null: none). */
  #session = null;
  #lastPlayers = 0;

  constructor({ url, key, serverId, api, publicIp, timeoutMs = 10_000, fetch: fetchFn = globalThis.fetch }) {
    const u = new URL(url);
    this.#origin = u.origin;
    this.#basePath = u.pathname.replace(/\/+$/, '');
    if (!key) throw new Error('GameServerAgent: a key (SERVER_CREDENTIAL or the shared key) is required');
    this.#key = key;
    this.#serverId = serverId || undefined;
    this.#api = api ?? (this.#serverId ? 'v1' : 'original');
    if (this.#api === 'v1' && !this.#serverId) throw new Error('GameServerAgent: api v1 needs serverId (SERVER_ID)');
    if (this.#api === 'original' && !publicIp) throw new Error('GameServerAgent: api original needs publicIp');
    this.#publicIp = publicIp;
    this.#timeoutMs = timeoutMs;
    this.#fetch = fetchFn;
  }

  /** From the environment the orchestrator gives its servers (ORCHESTRATOR_URL, SERVER_ID, SERVER_CREDENTIAL). */
  static fromEnv(env = process.env, extra = {}) {
    return new GameServerAgent({
      url: env.ORCHESTRATOR_URL,
      serverId: env.SERVER_ID,
      key: env.SERVER_ID ? env.SERVER_CREDENTIAL : env.INTERNAL_HMAC_KEY || env.INTERNAL_HMAC_SECRET,
      publicIp: env.PUBLIC_IP,
      ...extra,
    });
  }

  get api() {
    return this.#api;
  }

  /** The share code of the session this server holds, from the last /v1 heartbeat's answer (null: none, or api original). */
  get session() {
    return this.#session;
  }

  /**
   * Reports the players connected now: their number, or (api v1) the list of their player ids,
   * which also reports seats: listed players' seats are taken, and a taken seat of a player no
   * longer listed is held for the reconnect grace (as reportPlayers). The original routes get
   * the list's length. Resolves to {status, body}; rejects on network errors.
   */
  heartbeat(players) {
    this.#lastPlayers = players;
    const ids = Array.isArray(players) ? [...players] : null;
    const count = ids ? ids.length : players;
    if (this.#api === 'v1') {
      const body = ids ? { players: count, player_ids: ids } : { players: count };
      return this.#post(`/v1/servers/${encodeURIComponent(this.#serverId)}/heartbeat`, '', JSON.stringify(body));
    }
    return this.#post(
      '/server/heartbeat',
      '',
      JSON.stringify({ droplet_ip: this.#publicIp, connected_clients: count }),
    );
  }

  /**
   * Checks a seat token a connecting player shows (verifySeatToken with this server's key),
   * for the session this server holds (or `session`, when given). A token for a session this
   * server has not heard of yet (just handed to it) asks for a heartbeat once and checks again.
   */
  async verifySeat(token, { session } = {}) {
    const check = () => verifySeatToken(this.#key, token, { session: session ?? this.#session });
    const first = check();
    if (first.ok || first.reason !== 'wrong_session' || session !== undefined || this.#api !== 'v1') return first;
    await this.heartbeat(this.#lastPlayers).catch(() => null);
    return check();
  }

  /**
   * Reports players who connected (their seats are taken) and left (their seats are held for
   * RECONNECT_GRACE_S). /v1 only. Resolves to {status, body: {taken, left, unknown}}.
   */
  reportPlayers({ connected = [], left = [] } = {}) {
    if (this.#api !== 'v1') return Promise.reject(new Error('reportPlayers needs api v1 (SERVER_ID)'));
    const body = JSON.stringify({ connected, left });
    return this.#post(`/v1/servers/${encodeURIComponent(this.#serverId)}/players`, '', body);
  }

  /** Says the server is ready for players (the original routes: a heartbeat with 0 players). */
  ready(players = 0) {
    if (this.#api === 'v1')
      return this.#post(`/v1/servers/${encodeURIComponent(this.#serverId)}/ready`, '', JSON.stringify({ players }));
    return this.heartbeat(players);
  }

  /**
   * Ends the session (the machine is then deleted or recycled). 404: unknown or already ended.
   * An end that meets a network error, a 5xx or a 429 (the orchestrator's database restarting,
   * a replica going away) is tried again, each time freshly signed: after Retry-After when the
   * answer gives one, else with exponential backoff and full jitter; `attempts` tries in all.
   * An end never sent leaves the session active until it idles out, and its machine running.
   */
  async end({ attempts = 8, baseDelayMs = 500, maxBackoffMs = 15_000 } = {}) {
    for (let attempt = 1; ; attempt++) {
      let result = null;
      let error = null;
      try {
        result = await this.#endOnce();
      } catch (err) {
        error = err;
      }
      const retryable = error !== null || result.status >= 500 || result.status === 429;
      if (!retryable || attempt >= attempts) {
        if (error) throw error;
        return result;
      }
      const afterS = Number(result?.retryAfter);
      const backoff = Math.random() * Math.min(maxBackoffMs, baseDelayMs * 2 ** (attempt - 1));
      await sleep(afterS > 0 ? Math.min(afterS * 1000, maxBackoffMs) : backoff);
    }
  }

  #endOnce() {
    if (this.#api === 'v1') return this.#post(`/v1/servers/${encodeURIComponent(this.#serverId)}/end`, '', '');
    return this.#post('/server/end', new URLSearchParams({ droplet_ip: this.#publicIp }).toString(), '');
  }

  /**
   * Heartbeats every intervalMs with players() (a number, or the connected players' ids); after a failure (network error or 5xx/429)
   * waits with exponential backoff and full jitter, up to maxBackoffMs, then goes back to the
   * interval. onResult sees every outcome. Returns a function that stops the loop.
   */
  startHeartbeats({ players, intervalMs = 5000, maxBackoffMs = 30_000, onResult = () => {} }) {
    this.stopHeartbeats();
    const ac = new AbortController();
    const run = async () => {
      let failures = 0;
      while (!ac.signal.aborted) {
        let ok = false;
        try {
          const r = await this.heartbeat(players());
          ok = r.status < 500 && r.status !== 429;
          onResult({ status: r.status, body: r.body });
        } catch (err) {
          onResult({ error: err });
        }
        failures = ok ? 0 : failures + 1;
        const wait = failures === 0 ? intervalMs : Math.random() * Math.min(maxBackoffMs, intervalMs * 2 ** failures);
        await sleep(wait, ac.signal);
      }
    };
    this.#loop = { ac, done: run() };
    return () => this.stopHeartbeats();
  }

  /** Stops the heartbeat loop; resolves once the call in flight (if any) is over. */
  async stopHeartbeats() {
    const loop = this.#loop;
    this.#loop = null;
    if (!loop) return;
    loop.ac.abort();
    await loop.done;
  }

  /**
   * On SIGTERM (and the other signals given): stops heartbeats, runs onStop (close the game),
   * then exits. A second signal exits at once. Returns a function that removes the handlers.
   */
  stopOnSignals({ signals = ['SIGTERM'], onStop = async () => {}, exit = (code) => process.exit(code) } = {}) {
    let stopping = false;
    const handler = (signal) => {
      if (stopping) return exit(0);
      stopping = true;
      void this.stopHeartbeats()
        .then(() => onStop(signal))
        .catch(() => {})
        .finally(() => exit(0));
    };
    for (const s of signals) process.on(s, handler);
    return () => signals.forEach((s) => process.off(s, handler));
  }

  async #post(route, query, body) {
    const path = this.#basePath + route;
    const headers = await this.#freshHeaders(path, query, body);
    // No content-type without a body: a JSON parser would refuse an empty JSON body.
    if (body) headers['Content-Type'] = 'application/json';
    const res = await this.#fetch(`${this.#origin}${path}${query ? `?${query}` : ''}`, {
      method: 'POST',
      headers,
      body: body || undefined,
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    const text = await res.text().catch(() => '');
    let parsed = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    // A /v1 heartbeat or ready answers with the session this server holds: remember its code.
    if (res.ok && parsed && typeof parsed === 'object' && 'session' in parsed && 'server' in parsed)
      this.#session = parsed.session?.code ?? null;
    const retryAfter = res.headers.get('retry-after');
    return { status: res.status, body: parsed, ...(retryAfter ? { retryAfter } : {}) };
  }

  async #freshHeaders(path, query, body) {
    const id = `${path}?${query}\n${body}`;
    for (;;) {
      const nowS = Math.floor(Date.now() / 1000);
      if (nowS !== this.#second) {
        this.#second = nowS;
        this.#usedThisSecond.clear();
      }
      if (!this.#usedThisSecond.has(id)) {
        this.#usedThisSecond.add(id);
        return signRequest({
          method: 'POST',
          path,
          query,
          body,
          key: this.#key,
          serverId: this.#serverId,
          timestampS: nowS,
        });
      }
      await sleep(1001 - (Date.now() % 1000));
    }
  }
}
