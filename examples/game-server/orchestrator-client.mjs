// The two calls a game server makes to the orchestrator, HMAC-signed.
import { setTimeout as sleep } from 'node:timers/promises';
import { signRequest } from './sign.mjs';

export class OrchestratorClient {
  #origin;
  #basePath;
  #key;
  #serverId;
  #timeoutMs;
  // Signatures are single-use and only change with the timestamp (Unix seconds), so two
  // identical requests in one second would be refused as a replay: remember this second's.
  #second = 0;
  #usedThisSecond = new Set();

  /**
   * @param {object} opts
   * @param {string} opts.baseUrl      ORCHESTRATOR_URL; a path prefix (behind a proxy) is kept
   * @param {string} opts.key          signing key (never logged)
   * @param {string} [opts.serverId]   SERVER_ID, when the key is this server's own credential
   * @param {number} opts.timeoutMs    per-request timeout
   */
  constructor({ baseUrl, key, serverId, timeoutMs }) {
    const url = new URL(baseUrl);
    this.#origin = url.origin;
    this.#basePath = url.pathname.replace(/\/+$/, '');
    this.#key = key;
    this.#serverId = serverId;
    this.#timeoutMs = timeoutMs;
  }

  /** POST /server/heartbeat; resolves to the HTTP status, rejects on network errors. */
  heartbeat(dropletIp, connectedClients) {
    const body = JSON.stringify({ droplet_ip: dropletIp, connected_clients: connectedClients });
    return this.#post('/server/heartbeat', '', body);
  }

  /** POST /server/end?droplet_ip=…; 200 ended, 404 unknown or already ended. */
  end(dropletIp) {
    return this.#post('/server/end', new URLSearchParams({ droplet_ip: dropletIp }).toString(), '');
  }

  async #post(route, query, body) {
    const path = this.#basePath + route;
    const headers = await this.#freshHeaders(path, query, body);
    // No content-type without a body: a JSON parser would refuse an empty JSON body.
    if (body) headers['Content-Type'] = 'application/json';
    const res = await fetch(`${this.#origin}${path}${query ? `?${query}` : ''}`, {
      method: 'POST',
      headers,
      body: body || undefined,
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    await res.arrayBuffer().catch(() => undefined); // drain, so the connection is reused
    return res.status;
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
        const parts = { method: 'POST', path, query, body, timestampS: nowS };
        return signRequest({ ...parts, key: this.#key, serverId: this.#serverId });
      }
      await sleep(1001 - (Date.now() % 1000)); // same request this second: wait for the next
    }
  }
}
