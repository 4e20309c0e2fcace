import { ProviderError } from '../provider.js';

/** Longest raw (non-JSON) error body kept in a message; an HTML 5xx page can be kilobytes. */
const MAX_RAW_BODY_CHARS = 300;

/** What an error response says, whatever shape its body had. */
export interface DoErrorInfo {
  /** The cloud's error id (DigitalOcean's `id`, Hetzner's `error.code`), null for non-JSON bodies. */
  id: string | null;
  message: string;
  requestId: string | null;
}

/**
 * Reads an error body. JSON `{id, message, request_id}` is DigitalOcean's documented shape; its
 * tags endpoint uses `{error, root_causes}`; Hetzner Cloud's is `{error: {code, message}}`; edge
 * failures (502/503/504/520) come as HTML or plain text, kept as the message the way godo does.
 */
export function parseErrorBody(text: string, headerRequestId: string | null): DoErrorInfo {
  const raw = text.trim();
  let parsed: unknown = null;
  try {
    parsed = raw ? JSON.parse(raw) : null;
  } catch {
    parsed = null;
  }
  if (parsed && typeof parsed === 'object') {
    const o = parsed as Record<string, unknown>;
    // Hetzner Cloud's shape: `{error: {code, message, details}}`.
    if (o.error && typeof o.error === 'object') {
      const e = o.error as Record<string, unknown>;
      return { id: str(e.code), message: clip(str(e.message) ?? raw), requestId: headerRequestId };
    }
    const message = str(o.message) ?? str(o.error) ?? raw;
    return { id: str(o.id), message: clip(message), requestId: str(o.request_id) ?? headerRequestId };
  }
  return { id: null, message: clip(raw.replace(/\s+/g, ' ')) || '(empty body)', requestId: headerRequestId };
}

/** godo-style text: `POST /v2/droplets: 422 (request "<uuid>") <message>`. */
export function formatHttpError(method: string, path: string, status: number, info: DoErrorInfo): string {
  const req = info.requestId ? ` (request "${info.requestId}")` : '';
  return `${method} ${path}: ${status}${req} ${info.message}`;
}

/** Removes every occurrence of the token, in case an upstream error ever echoes it. */
export function redact(text: string, secret: string): string {
  if (!secret) return text;
  return text.split(secret).join('[redacted]');
}

/** Statuses worth another try for an idempotent request: 429, 408 and 5xx except 501. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || (status >= 500 && status !== 501);
}

/** DigitalOcean's 422 "creating this/these droplet(s) will exceed your droplet limit". */
export function isDropletLimitRefusal(err: unknown): err is ProviderError {
  return err instanceof ProviderError && err.opts.status === 422 && /droplet limit/i.test(err.message);
}

/** True for failures where a POST may or may not have taken effect. */
export function isAmbiguous(err: unknown): boolean {
  return err instanceof ProviderError && err.ambiguous;
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v : null;
}

function clip(s: string): string {
  return s.length > MAX_RAW_BODY_CHARS ? `${s.slice(0, MAX_RAW_BODY_CHARS)}…` : s;
}
