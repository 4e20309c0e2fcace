import type { Reader } from '../config-reader.js';

/** Events out to operators' URLs (issue 10). */
export interface WebhookConfig {
  /** Empty = no webhooks. */
  urls: string[];
  /** Signs every delivery; required when urls are set. */
  secret: string | null;
  /** Event kinds to send; null = every kind. */
  kinds: string[] | null;
  timeoutMs: number;
  /** Attempts per event before it becomes a dead letter. */
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** How long one replica's claim on a URL holds without renewal. */
  leaseMs: number;
}

/** Reads the WEBHOOK_* settings. */
export function readWebhookConfig(r: Reader): WebhookConfig {
  const urls = r.list('WEBHOOK_URL');
  for (const u of urls) {
    let ok = false;
    try {
      const parsed = new URL(u);
      // fetch refuses URLs with user:password@; a token belongs in the path or query.
      ok = (parsed.protocol === 'http:' || parsed.protocol === 'https:') && !parsed.username && !parsed.password;
    } catch {
      /* reported below */
    }
    // The URL may carry a secret in its query: never echo it.
    if (!ok) r.problem('WEBHOOK_URL: each entry must be an http(s) URL without user:password@ (comma-separated)');
  }
  const secret = r.str('WEBHOOK_SECRET', '') || null;
  if (urls.length > 0 && !secret) r.problem('WEBHOOK_SECRET is required with WEBHOOK_URL (every delivery is signed)');
  const kinds = r.list('WEBHOOK_EVENTS');
  for (const k of kinds) {
    if (!/^[a-z_]+\.[a-z_*]+$|^\*$/.test(k))
      r.bad('WEBHOOK_EVENTS', k, 'event kinds like session.started or session.*');
  }
  const backoffBaseMs = r.int('WEBHOOK_BACKOFF_BASE_MS', 1000, 1, 3_600_000);
  const backoffMaxMs = r.int('WEBHOOK_BACKOFF_MAX_MS', 300_000, 1, 86_400_000);
  if (backoffMaxMs < backoffBaseMs) r.problem('WEBHOOK_BACKOFF_MAX_MS must be at least WEBHOOK_BACKOFF_BASE_MS');
  const timeoutMs = r.int('WEBHOOK_TIMEOUT_MS', 10_000, 1, 600_000);
  return {
    urls: [...new Set(urls)],
    secret,
    kinds: kinds.length > 0 && !kinds.includes('*') ? kinds : null,
    timeoutMs,
    maxAttempts: r.int('WEBHOOK_MAX_ATTEMPTS', 8, 1, 1000),
    backoffBaseMs,
    backoffMaxMs,
    leaseMs: Math.max(r.int('WEBHOOK_LEASE_MS', 30_000, 100, 3_600_000), timeoutMs * 2),
  };
}
