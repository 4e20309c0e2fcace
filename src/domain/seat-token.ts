import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';

/*
 * Seat tokens: what a join hands a player to show the game server, which checks it offline.
 *
 *   key   = HMAC-SHA256(key = the server's signing key (UTF-8), message = "seat-token-v1")  (32 raw bytes)
 *   body  = base64url(JSON {"v":1,"s":<session code>,"p":<player id>,"e":<expiry, Unix seconds>})
 *   token = body + "." + base64url(HMAC-SHA256(key, body as ASCII))
 *
 * The server's signing key is the one it signs its own requests with: its SERVER_CREDENTIAL
 * (a server the orchestrator made), or the shared INTERNAL_HMAC_KEY (an external server). A
 * token is good on one server only, for one session, until its expiry; the server's SDK checks
 * all three (packages/server: verifySeat), and so does a join that presents one to reconnect.
 */

/** The derivation's label: a new token format gets a new label, so old keys never verify it. */
export const SEAT_TOKEN_CONTEXT = 'seat-token-v1';

/** What a token says. */
export interface SeatClaims {
  /** The session's share code. */
  session: string;
  player: string;
  /** Unix seconds; the token is refused at and after it. */
  expiresAtS: number;
}

/** Why a token was refused. */
export type SeatTokenRefusal = 'malformed' | 'forged' | 'expired' | 'wrong_session';

export type SeatCheck = { ok: true; claims: SeatClaims } | { ok: false; reason: SeatTokenRefusal };

/** The key seat tokens of a server are signed with, derived from its signing key. */
export function seatTokenKey(serverKey: string): Buffer {
  return createHmac('sha256', serverKey).update(SEAT_TOKEN_CONTEXT, 'utf8').digest();
}

/** Derived keys by server key: a join signed with a key derived anew (one more HMAC) each time. */
const DERIVED = new Map<string, KeyObject>();
/** Servers' keys held at most (one per server, or the shared key); past it the map starts over. */
const DERIVED_MAX = 10_000;

/** seatTokenKey, derived once per server key and kept as a key object. */
function derivedKey(serverKey: string): KeyObject {
  let key = DERIVED.get(serverKey);
  if (!key) {
    if (DERIVED.size >= DERIVED_MAX) DERIVED.clear();
    key = createSecretKey(seatTokenKey(serverKey));
    DERIVED.set(serverKey, key);
  }
  return key;
}

export function signSeatToken(serverKey: string, c: SeatClaims): string {
  const body = Buffer.from(JSON.stringify({ v: 1, s: c.session, p: c.player, e: c.expiresAtS }), 'utf8').toString(
    'base64url',
  );
  return `${body}.${mac(derivedKey(serverKey), body).toString('base64url')}`;
}

/**
 * Checks a token: its MAC (constant time), then its expiry at nowS, then (when `session` is
 * given) that it names this session. Any input, never a throw.
 */
export function verifySeatToken(
  serverKey: string,
  token: string,
  o: { nowS: number; session?: string; ignoreExpiry?: boolean },
): SeatCheck {
  const dot = token.indexOf('.');
  if (dot <= 0 || token.length > 1024) return { ok: false, reason: 'malformed' };
  const body = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  const expected = mac(derivedKey(serverKey), body);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'forged' };
  const claims = parseBody(body);
  if (!claims) return { ok: false, reason: 'malformed' };
  if (!o.ignoreExpiry && o.nowS >= claims.expiresAtS) return { ok: false, reason: 'expired' };
  if (o.session !== undefined && claims.session.toUpperCase() !== o.session.toUpperCase())
    return { ok: false, reason: 'wrong_session' };
  return { ok: true, claims };
}

function mac(key: KeyObject, body: string): Buffer {
  return createHmac('sha256', key).update(body, 'ascii').digest();
}

function parseBody(body: string): SeatClaims | null {
  try {
    const j: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    if (typeof j !== 'object' || j === null) return null;
    const { v, s, p, e } = j as Record<string, unknown>;
    if (v !== 1 || typeof s !== 'string' || typeof p !== 'string' || typeof e !== 'number') return null;
    return { session: s, player: p, expiresAtS: e };
  } catch {
    return null;
  }
}
