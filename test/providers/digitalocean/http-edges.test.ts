import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../../src/providers/provider.js';
import { capturingLogger, makeDoProvider, specFor, TEST_TOKEN } from './do-test-kit.js';

/** A scripted stand-in for the API, for shapes the emulator does not produce on demand. */
interface FakeApi {
  url: string;
  hits: { method: string; url: string; auth: string | undefined }[];
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function fakeApi(handler: Handler): Promise<FakeApi> {
  const hits: FakeApi['hits'] = [];
  const server = createServer((req, res) => {
    hits.push({ method: req.method!, url: req.url!, auth: req.headers.authorization });
    req.resume();
    req.on('end', () => handler(req, res, hits.length));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, hits, close: async () => void server.close() };
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

const HTML_502 =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body><center>cloudflare</center></body></html>';

describe('DigitalOcean client at the HTTP edges', () => {
  it('retries an HTML 502 on GET and then succeeds', async () => {
    const api = await fakeApi((_req, res, n) => {
      if (n <= 2) return void res.writeHead(502, { 'content-type': 'text/html' }).end(HTML_502);
      json(res, 200, { droplet: { id: 7, name: 'x', status: 'new', created_at: '2026-01-01T00:00:00Z' } });
    });
    const m = await makeDoProvider(api.url).get('7');
    expect(m?.providerId).toBe('7');
    expect(api.hits).toHaveLength(3);
    expect(api.hits[0]!.auth).toBe(`Bearer ${TEST_TOKEN}`);
  });

  it('keeps a non-JSON error body as the message, with the x-request-id', async () => {
    const api = await fakeApi((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html', 'x-request-id': 'req-html-1' }).end(HTML_502);
    });
    const err = await makeDoProvider(api.url, { maxRetries: 2 })
      .get('7')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).message).toMatch(
      /^GET \/v2\/droplets\/7: 502 \(request "req-html-1"\) .*502 Bad Gateway/,
    );
    expect((err as ProviderError).opts.retryable).toBe(true);
    expect(api.hits).toHaveLength(3);
  });

  it('rebuilds the next page on the configured base, never following the absolute link', async () => {
    const api = await fakeApi((req, res) => {
      const page = new URL(req.url!, 'http://x').searchParams.get('page');
      const droplet = (id: number) => ({ id, name: `d${id}`, status: 'active', created_at: '2026-01-01T00:00:00Z' });
      if (page === '1') {
        const next = 'https://api.digitalocean.com/v2/droplets?page=2&per_page=200&tag_name=gs-test';
        return json(res, 200, { droplets: [droplet(1)], links: { pages: { next } }, meta: { total: 2 } });
      }
      json(res, 200, {
        droplets: [droplet(2)],
        links: { pages: { prev: 'https://x/v2/droplets?page=1' } },
        meta: { total: 2 },
      });
    });
    const list = await makeDoProvider(api.url).list();
    expect(list.map((m) => m.providerId)).toEqual(['1', '2']);
    const second = new URL(api.hits[1]!.url, 'http://x');
    expect(second.pathname).toBe('/v2/droplets');
    expect(Object.fromEntries(second.searchParams)).toEqual({ tag_name: 'gs-test', per_page: '200', page: '2' });
  });

  it('never puts the token in errors or logs, even when the API echoes it', async () => {
    const api = await fakeApi((req, res) => {
      json(res, 401, { id: 'unauthorized', message: `Unable to authenticate you. (${req.headers.authorization})` });
    });
    const { logger, lines } = capturingLogger();
    const err = (await makeDoProvider(api.url, { logger })
      .list()
      .catch((e: unknown) => e)) as Error;
    expect(err.message).toContain('401');
    expect(err.message).toContain('[redacted]');
    expect(err.message).not.toContain(TEST_TOKEN);

    await api.close();
    const down = (await makeDoProvider(api.url, { logger, maxRetries: 1 })
      .get('1')
      .catch((e: unknown) => e)) as Error;
    expect(down.message).toMatch(/network error/);
    expect(down.message).not.toContain(TEST_TOKEN);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toContain(TEST_TOKEN);
  });

  it('times out a silent API and retries GET up to maxRetries', async () => {
    const api = await fakeApi(() => undefined);
    const err = (await makeDoProvider(api.url, { requestTimeoutMs: 50, maxRetries: 2 })
      .get('1')
      .catch((e: unknown) => e)) as Error;
    expect(err.message).toBe('GET /v2/droplets/1: timed out after 50 ms');
    expect(api.hits).toHaveLength(3);
  });

  it('never retries a create POST blindly: check by name, one more POST, then ambiguous', async () => {
    const api = await fakeApi((req, res) => {
      if (req.method === 'POST') return; // the response never comes
      json(res, 200, { droplets: [], links: {}, meta: { total: 0 } });
    });
    const err = (await makeDoProvider(api.url, { requestTimeoutMs: 300 })
      .create(specFor())
      .catch((e: unknown) => e)) as ProviderError;
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.ambiguous).toBe(true);
    // Consecutive GETs collapse: a name check may itself be retried on a loaded machine.
    const methods = api.hits.map((h) => h.method).filter((m, i, all) => m === 'POST' || m !== all[i - 1]);
    expect(methods).toEqual(['GET', 'POST', 'GET', 'POST', 'GET']);
    expect(api.hits.filter((h) => h.method === 'GET').every((h) => h.url.includes('name=gs-'))).toBe(true);
  });

  it('treats a 429 on the create POST as ambiguous: honours retry-after, checks by name, POSTs once more', async () => {
    let posts = 0;
    const api = await fakeApi((req, res) => {
      if (req.method === 'POST' && ++posts === 1) {
        return json(res, 429, { id: 'too_many_requests', message: 'API rate limit exceeded.' }, { 'retry-after': '1' });
      }
      if (req.method === 'POST') {
        return json(res, 202, { droplet: { id: 9, name: 'gs-x', status: 'new', created_at: '2026-01-01T00:00:00Z' } });
      }
      json(res, 200, { droplets: [], links: {}, meta: { total: 0 } });
    });
    const startedMs = Date.now();
    const m = await makeDoProvider(api.url).create(specFor());
    expect(m.providerId).toBe('9');
    expect(Date.now() - startedMs).toBeGreaterThanOrEqual(950);
    expect(api.hits.map((h) => h.method)).toEqual(['GET', 'POST', 'GET', 'POST']);
  });

  it('reports a definite 422 on create with its message, not ambiguous, without a second POST', async () => {
    const api = await fakeApi((req, res) => {
      if (req.method === 'POST') {
        return json(res, 422, {
          id: 'unprocessable_entity',
          message: 'creating this/these droplet(s) will exceed your droplet limit',
        });
      }
      json(res, 200, { droplets: [], links: {}, meta: { total: 0 } });
    });
    const err = (await makeDoProvider(api.url)
      .create(specFor())
      .catch((e: unknown) => e)) as ProviderError;
    expect(err.ambiguous).toBe(false);
    expect(err.opts.status).toBe(422);
    expect(err.message).toContain('will exceed your droplet limit');
    expect(api.hits.map((h) => h.method)).toEqual(['GET', 'POST']);
  });
});
