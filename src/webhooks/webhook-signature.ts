import { createHash, createHmac } from 'node:crypto';
import { safeEqual } from '../domain/hmac.js';

/**
 * Webhook signatures, in the game servers' manner: a Unix-seconds timestamp header and a
 * lower-case hex HMAC-SHA256 over a newline-joined canonical string whose body part is the
 * body's SHA-256. Here the string is `timestamp + "\n" + hex(sha256(body))`: the URL is left
 * out, so a proxy or a path rewrite in front of the receiver does not break it.
 */
export const WEBHOOK_HEADERS = {
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
  /** The event id: receivers drop a repeat (delivery is at least once). */
  id: 'webhook-id',
  kind: 'webhook-event',
} as const;

export function webhookSignature(secret: string, timestamp: string, body: string | Buffer): string {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  return createHmac('sha256', secret).update(`${timestamp}\n${bodyHash}`, 'utf8').digest('hex');
}

/**
 * For receivers: true when the signature matches and the timestamp is within maxSkewS of
 * nowS (both directions), compared in constant time.
 */
export function verifyWebhook(
  secret: string,
  headers: { timestamp?: string; signature?: string },
  body: string | Buffer,
  nowS: number,
  maxSkewS = 300,
): boolean {
  const ts = headers.timestamp ?? '';
  if (!/^\d{1,12}$/.test(ts) || Math.abs(nowS - Number(ts)) > maxSkewS) return false;
  return safeEqual(headers.signature ?? '', webhookSignature(secret, ts, body));
}
