import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a game server made, with its signature checked independently of sign.mjs. */
export interface Recorded {
  method: string;
  path: string;
  query: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Valid for the key the fake was built with, and within 5 s of now. */
  signatureOk: boolean;
  /** The same signature was seen before (the real orchestrator refuses it). */
  replay: boolean;
  status: number;
}

/**
 * A stand-in for the orchestrator's /server/* routes on 127.0.0.1: records every request,
 * verifies its HMAC with node:crypto, and answers with `statusFor` (default 200; 401 for a
 * bad or replayed signature, as the real one does).
 */
export async function fakeOrchestrator(key: string) {
  const requests: Recorded[] = [];
  const seen = new Set<string>();
  const fake = { requests, url: '', statusFor: (_r: Recorded): number => 200, close: async () => {} };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const [path = '', query = ''] = (req.url ?? '').split(/\?(.*)/s);
      const timestamp = String(req.headers['request-timestamp'] ?? '');
      const signature = String(req.headers['request-signature'] ?? '');
      const canonical = [req.method, path, query, timestamp, createHash('sha256').update(raw).digest('hex')].join('\n');
      const expected = createHmac('sha256', key).update(canonical).digest('hex');
      const fresh = Math.abs(Date.now() / 1000 - Number(timestamp)) <= 5;
      const r: Recorded = {
        method: req.method ?? '',
        path,
        query,
        headers: req.headers,
        body: raw.toString(),
        signatureOk: signature === expected && /^\d+$/.test(timestamp) && fresh,
        replay: seen.has(signature),
        status: 0,
      };
      seen.add(signature);
      r.status = r.signatureOk && !r.replay ? fake.statusFor(r) : 401;
      requests.push(r);
      res.writeHead(r.status, { 'content-type': 'application/json' }).end('{"message":"ok"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}

export type FakeOrchestrator = Awaited<ReturnType<typeof fakeOrchestrator>>;

export const heartbeats = (f: FakeOrchestrator) => f.requests.filter((r) => r.path === '/server/heartbeat');
export const ends = (f: FakeOrchestrator) => f.requests.filter((r) => r.path === '/server/end');
export const clientsIn = (r: Recorded): number =>
  (JSON.parse(r.body) as { connected_clients: number }).connected_clients;
