import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: IncomingMessage['headers'];
  body: string;
  url: string;
}

/** What the receiver answers a request: a status, or 'hold' (answered later by release()). */
export type Answer = number | 'hold';

/** A real HTTP server on 127.0.0.1 that records every request (webhook receiver in tests). */
export class HttpReceiver {
  readonly received: Received[] = [];
  private held: ServerResponse[] = [];
  private readonly server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), url: req.url ?? '' };
      this.received.push(r);
      const answer = this.answer(r, this.received.length);
      if (answer === 'hold') this.held.push(res);
      else res.writeHead(answer).end();
    });
  });
  url = '';

  constructor(public answer: (r: Received, n: number) => Answer = () => 200) {}

  async listen(path = '/hook'): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
    return this;
  }

  get heldCount(): number {
    return this.held.length;
  }

  /** Answers every held request with `status`. */
  release(status = 200): void {
    for (const res of this.held.splice(0)) res.writeHead(status).end();
  }

  async close(): Promise<void> {
    this.release(503);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Polls `check` until it returns true; fails after timeoutMs (a bound, not a measurement). */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  what = 'condition',
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
