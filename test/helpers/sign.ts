import { createHash, createHmac } from 'node:crypto';

/**
 * Signs a request the way the original's game servers do, written here independently of
 * src/ so the tests check the server against the contract, not against itself.
 */
export function signedHeaders(
  key: string,
  method: string,
  url: string,
  body: string | Buffer = '',
  timestampS: number | string = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const query = q === -1 ? '' : url.slice(q + 1);
  const bodyHash = createHash('sha256').update(body).digest('hex');
  const canonical = [method.toUpperCase(), path, query, String(timestampS), bodyHash].join('\n');
  return {
    'request-timestamp': String(timestampS),
    'request-signature': createHmac('sha256', key).update(canonical).digest('hex'),
  };
}
