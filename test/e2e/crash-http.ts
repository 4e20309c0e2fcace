import { request } from 'node:http';
import { signedHeaders } from '../helpers/sign.js';

/** An answer from the orchestrator; a request that died with the process throws instead. */
export interface HttpAnswer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * One POST on a fresh connection (no keep-alive), so a failure means this request met a dead
 * process, never a stale pooled socket. Rejects when the connection fails or breaks.
 */
export function post(
  url: string,
  headers: Record<string, string> = {},
  body = '',
  timeoutMs = 60_000,
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent: false, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }),
        );
        res.on('error', reject);
        res.on('aborted', () => reject(new Error('response aborted')));
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Signs game-server calls with the shared key. Each address gets strictly increasing
 * timestamps (kept inside the accepted skew), so a retry after a kill is never refused as a
 * replay of an attempt the dead process had already recorded.
 */
export class ServerSigner {
  private readonly lastTsS = new Map<string, number>();
  constructor(
    private readonly key: string,
    private readonly skewS = 300,
  ) {}

  headers(ip: string, method: string, url: string, body = ''): Record<string, string> {
    const nowS = Math.floor(Date.now() / 1000);
    const ts = Math.max((this.lastTsS.get(ip) ?? 0) + 1, nowS - Math.floor(this.skewS * 0.8));
    if (ts > nowS + this.skewS * 0.8) throw new Error(`signing faster than 1/s for ${ip} for too long`);
    this.lastTsS.set(ip, ts);
    return signedHeaders(this.key, method, url, body, ts);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
