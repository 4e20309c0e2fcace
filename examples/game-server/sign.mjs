// Signs a request to the orchestrator's /server/* routes.
//
// Signature = lowercase hex HMAC-SHA256(key,
//   METHOD \n PATH \n QUERY \n TIMESTAMP \n hex(SHA-256(raw body bytes)))
// PATH has no query; QUERY is the raw query string without '?' ('' when none).
// The orchestrator accepts each signature once, so sign every request afresh.
import { createHash, createHmac } from 'node:crypto';

/**
 * Returns the headers that authenticate one request.
 * @param {object} req
 * @param {string} req.method      e.g. 'POST'
 * @param {string} req.path        e.g. '/server/heartbeat' (no query)
 * @param {string} [req.query]     raw query without '?', e.g. 'droplet_ip=127.0.0.2'
 * @param {string | Uint8Array} [req.body]  the exact bytes sent ('' for no body)
 * @param {string} req.key         SERVER_CREDENTIAL, or the shared INTERNAL_HMAC_KEY/SECRET
 * @param {string} [req.serverId]  SERVER_ID; sent as `Server-Id` when the key is a server credential
 * @param {number} [req.timestampS] Unix seconds; defaults to now
 * @returns {Record<string, string>}
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
