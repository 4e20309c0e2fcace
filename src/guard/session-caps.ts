import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { OrchestratorError } from '../domain/errors.js';
import { addressBucket } from '../domain/ip-address.js';
import { safeEqual } from '../domain/hmac.js';
import { clientAddress } from '../http/client-address.js';
import { clientGuard } from '../http/v1/guards.js';
import type { HeldCount } from '../store/holder-queries.js';
import type { Tx } from '../store/store.js';

/** Who a start counts against, and how many live or pending sessions that one may hold (0: no cap). */
export interface Holder {
  id: string;
  cap: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set on session starts by installSessionGuard: whose cap the new session counts against. */
    sessionHolder?: Holder;
  }
}

export interface SessionGuardSettings {
  /** SESSIONS_PER_ADDRESS: live + pending sessions one client address (an IPv6 /64) may hold. */
  perAddress: number;
  /** SESSIONS_PER_KEY: the same for one client API key (a studio's key is every player's: off by default). */
  perKey: number;
  clientApiKeys: readonly string[];
  adminToken: string | null;
  /** ORIGINAL_ROUTES_NEED_KEY: the original's start and join want a client key too (when keys are set). */
  originalRoutesNeedKey: boolean;
}

// Every one of these routes is a POST: their paths. A quick join may start a session.
const STARTS = new Set(['/sessions/start', '/v1/sessions', '/v1/quick-join']);
const ORIGINAL_CLIENT_ROUTES = new Set(['/sessions/start', '/sessions/join']);

/**
 * Issue 21 item 1: 16 anonymous starts took 10 of 10 servers. Every start names its holder
 * (the key it presented, else its address); a holder at its cap is refused with 429 before
 * anything is claimed. One hook for both APIs, so the rule lives once.
 */
export function installSessionGuard(app: FastifyInstance, s: SessionGuardSettings): void {
  const needKey = clientGuard(s.clientApiKeys, s.adminToken);
  // A callback hook, not an async one, and no string or closure made: it runs on every request
  // (heartbeats included), and only the routes above ever wait for anything.
  app.addHook('onRequest', (req, _reply, done) => {
    if (req.method !== 'POST') return done();
    const q = req.url.indexOf('?');
    const path = q === -1 ? req.url : req.url.slice(0, q);
    if (!s.originalRoutesNeedKey || !ORIGINAL_CLIENT_ROUTES.has(path)) {
      if (STARTS.has(path)) req.sessionHolder = holderOf(req, s);
      return done();
    }
    needKey(req).then(() => {
      if (STARTS.has(path)) req.sessionHolder = holderOf(req, s);
      done();
    }, done);
  });
}

/** The key presented (when it is one of ours), else the client's address; an IPv6 client by its /64. */
export function holderOf(req: FastifyRequest, s: SessionGuardSettings): Holder {
  const raw = req.headers['x-api-key'];
  const auth = req.headers.authorization ?? '';
  const presented = (Array.isArray(raw) ? raw[raw.length - 1] : raw) ?? (/^bearer /i.test(auth) ? auth.slice(7) : '');
  const key = presented ? s.clientApiKeys.find((k) => safeEqual(presented, k)) : undefined;
  if (key) return { id: `key:${createHash('sha256').update(key).digest('hex').slice(0, 32)}`, cap: s.perKey };
  return { id: `addr:${addressBucket(clientAddress(req))}`, cap: s.perAddress };
}

/**
 * In the start's transaction: refuses a holder at its cap (their earlier sessions must end
 * first). The holder's starts are serialised across replicas (Tx.lockHolder) from the count to
 * the commit, so two racing starts cannot both see room for one. Returns what the holder holds;
 * null for a holder without a cap (its sessions are not noted, so the fair queue ranks them as
 * each one's first).
 */
export async function checkHolderCap(tx: Tx, holder: Holder): Promise<HeldCount | null> {
  if (holder.cap <= 0) return null;
  await tx.lockHolder(holder.id);
  const held = await tx.countLiveHeld(holder.id);
  const live = held.active + held.pending;
  if (live >= holder.cap) {
    throw new OrchestratorError(
      'rate_limited',
      `This client already holds ${live} live or waiting sessions (the cap is ${holder.cap}); end one first`,
    );
  }
  return held;
}
