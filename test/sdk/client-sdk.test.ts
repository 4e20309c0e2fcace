import { afterEach, describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator.js';
import {
  ConflictError,
  NotFoundError,
  type OrchestratorApiError,
  RateLimitedError,
  SessionEndedError,
  SessionsClient,
  UnauthorizedError,
} from '../../packages/client/client.mjs';
import { testOrchestrator } from '../helpers/orchestrator.js';
import { readyServer, serverCall } from '../http/v1/v1-helpers.js';

let orch: Orchestrator | null = null;
afterEach(async () => {
  await orch?.close();
  orch = null;
});

/** An orchestrator listening on 127.0.0.1, for the SDK's real fetch. */
async function listening(env: Record<string, string> = {}) {
  orch = await testOrchestrator(env);
  const url = await orch.app.listen({ host: '127.0.0.1', port: 0 });
  return { orch, url };
}

describe('client SDK over HTTP', () => {
  it('start → join, with typed errors for unknown (404), full (409) and ended sessions', async () => {
    const { orch, url } = await listening({ ADMIN_TOKEN: 'op' });
    const srv = await readyServer(orch, '198.51.100.40');
    const client = new SessionsClient({ url });
    const s = await client.start({ maxPlayers: 1, metadata: { map: 'm1' } });
    expect(s).toMatchObject({ state: 'active', address: '198.51.100.40', max_players: 1, metadata: { map: 'm1' } });
    expect((await client.join(s.code)).address).toBe('198.51.100.40');
    await serverCall(orch, srv.id, 'heartbeat', srv.credential, { players: 1 });
    const full = await client.join(s.code).catch((e: unknown) => e);
    expect(full).toBeInstanceOf(ConflictError);
    expect(full).toMatchObject({ status: 409, code: 'session_full', name: 'ConflictError' });
    const unknown = await client.join('ZZZZZZ').catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(NotFoundError);
    expect((unknown as Error).name).toBe('NotFoundError');
    expect((unknown as OrchestratorApiError).retryable).toBe(false);
  });

  it('waitUntilActive() long-polls until a server takes the session; SessionEndedError when it ends instead', async () => {
    const { orch, url } = await listening({ MAX_SERVERS: '0', START_TIMEOUT_S: '600', ADMIN_TOKEN: 'op' });
    const client = new SessionsClient({ url });
    const s = await client.start();
    expect(s.state).toBe('pending');
    const waiting = client.waitUntilActive(s.code, { timeoutMs: 10_000, pollS: 5 });
    setTimeout(() => void readyServer(orch, '198.51.100.41'), 200);
    expect(await waiting).toMatchObject({ code: s.code, state: 'active', address: '198.51.100.41' });

    const s2 = await client.start();
    const waiting2 = client.waitUntilActive(s2.code, { timeoutMs: 10_000, pollS: 5 }).catch((e: unknown) => e);
    setTimeout(
      () => void fetch(`${url}/v1/sessions/${s2.code}`, { method: 'DELETE', headers: { authorization: 'Bearer op' } }),
      200,
    );
    expect(await waiting2).toBeInstanceOf(SessionEndedError);
  });

  it('a missing API key is an UnauthorizedError; the right one works', async () => {
    const { url } = await listening({ CLIENT_API_KEYS: 'game-key', MAX_SERVERS: '0' });
    expect(await new SessionsClient({ url }).start().catch((e: unknown) => e)).toBeInstanceOf(UnauthorizedError);
    expect((await new SessionsClient({ url, apiKey: 'game-key' }).start()).state).toBe('pending');
  });

  it('a rate-limited start is a RateLimitedError carrying Retry-After', async () => {
    const { url } = await listening({ MAX_SERVERS: '0', START_RATE_LIMIT_PER_MIN: '1' });
    const noRetry = new SessionsClient({ url, retries: 0 });
    await noRetry.start();
    const e = await noRetry.start().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RateLimitedError);
    expect((e as OrchestratorApiError).retryAfterS).toBeGreaterThan(0);
  });
});

describe('client SDK retries (pure logic, a scripted fetch)', () => {
  it('retries a start on 5xx and network errors with the SAME Idempotency-Key, then succeeds', async () => {
    const keys: string[] = [];
    const answers = [
      () => Promise.reject(new TypeError('fetch failed')),
      () => Promise.resolve(new Response('{"error":{"code":"unavailable","message":"x"}}', { status: 503 })),
    ];
    const fakeFetch = (async (_url: string, init: RequestInit) => {
      keys.push((init.headers as Record<string, string>)['Idempotency-Key']!);
      const next = answers.shift();
      return next ? next() : new Response(JSON.stringify({ code: 'K7XQ3M', state: 'pending' }), { status: 202 });
    }) as typeof fetch;
    const client = new SessionsClient({
      url: 'http://orchestrator.invalid',
      retries: 3,
      retryBaseMs: 1,
      fetch: fakeFetch,
    });
    expect((await client.start()).code).toBe('K7XQ3M');
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(1);
  });

  it('gives up after `retries` and never retries a 4xx', async () => {
    let calls = 0;
    const always = (status: number) =>
      (async () => {
        calls++;
        return new Response(JSON.stringify({ error: { code: 'x', message: 'no' } }), { status });
      }) as typeof fetch;
    await expect(
      new SessionsClient({ url: 'http://o.invalid', retries: 2, retryBaseMs: 1, fetch: always(502) }).start(),
    ).rejects.toMatchObject({ status: 502 });
    expect(calls).toBe(3);
    calls = 0;
    await expect(
      new SessionsClient({ url: 'http://o.invalid', retries: 2, retryBaseMs: 1, fetch: always(400) }).start(),
    ).rejects.toMatchObject({ status: 400 });
    expect(calls).toBe(1);
  });
});

describe('client SDK measureLatencies()', () => {
  it('times each region’s ping target (median of the samples after a warm-up) and leaves out one that does not answer', async () => {
    const { createServer } = await import('node:http');
    const hits: Record<string, number> = { near: 0, far: 0 };
    const servers = (['near', 'far'] as const).map((name) =>
      createServer((_req, res) => {
        hits[name]! += 1;
        setTimeout(() => res.end('pong'), name === 'far' ? 150 : 0);
      }),
    );
    const urls = await Promise.all(
      servers.map(
        (s) =>
          new Promise<string>((resolve) =>
            s.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(s.address() as { port: number }).port}/`)),
          ),
      ),
    );
    try {
      const client = new SessionsClient({ url: 'http://127.0.0.1:9' });
      const latencies = await client.measureLatencies({
        samples: 3,
        timeoutMs: 1500,
        regions: [
          { name: 'near', ping_target: urls[0]! },
          { name: 'far', ping_target: urls[1]! },
          // The discard port: nobody answers, so the region is no candidate.
          { name: 'gone', ping_target: 'http://127.0.0.1:9/' },
        ],
      });
      expect(Object.keys(latencies).sort()).toEqual(['far', 'near']);
      expect(latencies.far).toBeGreaterThanOrEqual(150);
      expect(latencies.near).toBeLessThan(latencies.far!);
      // One warm-up and three timed requests per answering target.
      expect(hits).toEqual({ near: 4, far: 4 });
    } finally {
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    }
  });
});
