import type { FastifyReply, FastifyRequest } from 'fastify';
import { OrchestratorError } from '../domain/errors.js';
import { INVALID_SIGNATURE, signatureMatches, signParts } from '../domain/hmac.js';
import { ACTIVE_SERVER_STATES } from '../domain/server.js';
import type { ServerCaller } from '../sessions/session-deps.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';

export interface ServerAuthDeps {
  /** The shared key of the original service; null when not configured. */
  key: string | null;
  maxSkewS: number;
  clock: Clock;
  store: Store;
  /** The per-server credential for a server id. */
  credentialFor(serverId: string): string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by server authentication: who is calling, and a signature the handler must still spend. */
    serverCaller?: ServerCaller;
  }
  interface FastifyContextConfig {
    /**
     * The route's handler spends the verified signature in its own transaction (`ServerCaller.
     * unspent`), so the replay check and the work commit together: one transaction, not two.
     * Such a handler MUST spend it before doing anything, and answer a replay as INVALID_SIGNATURE.
     */
    spendsSignature?: boolean;
  }
}

/**
 * HMAC authentication of game-server routes, before the body is parsed (the body arrives as
 * raw bytes). Checks in the original's order: key configured, headers present, timestamp
 * fresh, signature right; then refuses a signature already used (replay).
 */
export function serverAuth(deps: ServerAuthDeps) {
  return async function authenticate(req: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const serverId = header(req, 'server-id');
    const key = serverId ? await serverKey(deps, serverId) : deps.key;
    if (key === null)
      throw new OrchestratorError('signing_disabled', 'Server routes are disabled: no signing key is configured');
    const timestamp = header(req, 'request-timestamp') ?? header(req, 'request_timestamp');
    const signature = header(req, 'request-signature') ?? header(req, 'request_signature');
    if (!timestamp || !signature || key === '') throw new OrchestratorError('unauthorized', INVALID_SIGNATURE);
    const ts = parsePythonInt(timestamp);
    if (ts === null) throw new OrchestratorError('unauthorized', INVALID_SIGNATURE);
    const nowS = deps.clock.now() / 1000;
    if (Math.abs(nowS - ts) > deps.maxSkewS)
      throw new OrchestratorError('stale_signature', 'The request timestamp is outside the accepted clock skew');
    const q = req.url.indexOf('?');
    const expected = signParts(key, {
      method: req.method,
      path: q === -1 ? req.url : req.url.slice(0, q),
      query: q === -1 ? '' : req.url.slice(q + 1),
      timestamp,
      body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
    });
    if (!signatureMatches(expected, signature)) throw new OrchestratorError('unauthorized', INVALID_SIGNATURE);
    // Remember it until it would be stale anyway; a second use inside the window is a replay.
    const expiresAtMs = (ts + deps.maxSkewS + 1) * 1000;
    if (req.routeOptions.config.spendsSignature) {
      req.serverCaller = { serverId, unspent: { signature, expiresAtMs } };
      return;
    }
    if (!(await deps.store.rememberSignature(signature, deps.clock.now(), expiresAtMs))) {
      throw new OrchestratorError('unauthorized', INVALID_SIGNATURE);
    }
    req.serverCaller = { serverId };
  };
}

/** '' for a server that is unknown or gone: its credential is revoked with it. */
async function serverKey(deps: ServerAuthDeps, serverId: string): Promise<string> {
  if (serverId.length > 64) return '';
  const server = await deps.store.getServer(serverId);
  if (!server || !ACTIVE_SERVER_STATES.includes(server.state)) return '';
  return deps.credentialFor(serverId);
}

function header(req: FastifyRequest, name: string): string | null {
  const v = req.headers[name];
  const s = Array.isArray(v) ? v[v.length - 1] : v;
  return s ? s : null;
}

/** Python's int() on the header text: optional spaces and sign, digits with single underscores. */
function parsePythonInt(text: string): number | null {
  const m = /^\s*([+-]?)(\d+(?:_\d+)*)\s*$/.exec(text);
  if (!m) return null;
  const n = Number(`${m[1]}${m[2]!.replaceAll('_', '')}`);
  return Number.isFinite(n) ? n : null;
}
