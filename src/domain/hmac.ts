import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** What a signature covers (the original service's scheme, byte for byte). */
export interface SignedParts {
  method: string;
  /** Path without the query. */
  path: string;
  /** Raw query string as sent, without '?'; '' when none. */
  query: string;
  /** The Request-Timestamp header's text as sent. */
  timestamp: string;
  body: Buffer | string;
}

export function canonicalString(p: SignedParts): string {
  const bodyHash = createHash('sha256').update(p.body).digest('hex');
  return `${p.method.toUpperCase()}\n${p.path}\n${p.query}\n${p.timestamp}\n${bodyHash}`;
}

/** Lower-case hex HMAC-SHA256 of the canonical string. */
export function signParts(key: string, p: SignedParts): string {
  return createHmac('sha256', key).update(canonicalString(p), 'utf8').digest('hex');
}

/** Constant-time comparison of any two strings (lengths may differ; never throws). */
export function safeEqual(a: string, b: string): boolean {
  // Hashing first makes the lengths equal, so timingSafeEqual applies to any input.
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

/**
 * Constant-time check of a request signature against the expected one. The expected value's
 * length (64 hex digits) is public, so unequal lengths may answer early; equal lengths are
 * compared in constant time without safeEqual's two SHA-256 runs (a heartbeat's hot path).
 */
export function signatureMatches(expected: string, given: string): boolean {
  if (expected.length !== given.length) return false;
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The answer to every failed signature check, a replay included (which check failed is not told). */
export const INVALID_SIGNATURE = 'The request signature is missing, malformed, wrong or already used';
