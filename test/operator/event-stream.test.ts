import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator.js';
import { dialectEnv } from '../helpers/databases.js';
import { eventually } from '../helpers/http-receiver.js';
import { heartbeat, testOrchestrator } from '../helpers/orchestrator.js';
import { SseClient } from '../helpers/sse-client.js';

const AUTH = { authorization: 'Bearer op' };
const ENV = { ADMIN_TOKEN: 'op', EVENTS_POLL_MS: '20', SSE_HEARTBEAT_MS: '50' };

const opened: Orchestrator[] = [];
const clients: SseClient[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const o of opened.splice(0)) await o.close();
  for (const c of cleanups.splice(0)) await c();
});

async function listening(env: Record<string, string> = {}): Promise<{ orch: Orchestrator; base: string }> {
  const orch = await testOrchestrator({ ...ENV, ...env });
  opened.push(orch);
  await orch.app.listen({ host: '127.0.0.1', port: 0 });
  return { orch, base: `http://127.0.0.1:${(orch.app.server.address() as AddressInfo).port}` };
}

async function stream(base: string, headers: Record<string, string> = AUTH, query = ''): Promise<SseClient> {
  const c = await SseClient.open(`${base}/v1/events/stream${query}`, headers);
  clients.push(c);
  return c;
}

describe('GET /v1/events', () => {
  it('pages the outbox by cursor behind the admin token', async () => {
    const orch = await testOrchestrator(ENV);
    opened.push(orch);
    for (let i = 1; i <= 3; i++) await heartbeat(orch.app, `198.51.100.${i}`, 0);
    expect((await orch.app.inject({ method: 'GET', url: '/v1/events' })).statusCode).toBe(401);
    const page1 = (await orch.app.inject({ method: 'GET', url: '/v1/events?limit=2', headers: AUTH })).json();
    expect(page1.events.map((e: { kind: string }) => e.kind)).toEqual(['server.created', 'server.created']);
    const page2 = (
      await orch.app.inject({ method: 'GET', url: `/v1/events?after=${page1.next}`, headers: AUTH })
    ).json();
    expect(page2.events).toHaveLength(1);
    expect(page2.events[0].id).toBeGreaterThan(page1.next);
    expect(page2.events[0]).toMatchObject({
      kind: 'server.created',
      data: { ip: '198.51.100.3' },
      at: expect.stringMatching(/Z$/),
    });
    const empty = (
      await orch.app.inject({ method: 'GET', url: `/v1/events?after=${page2.next}`, headers: AUTH })
    ).json();
    expect(empty).toEqual({ events: [], next: page2.next });
  });

  it('answers bad cursors and limits with a 4xx that says why', async () => {
    const orch = await testOrchestrator(ENV);
    opened.push(orch);
    for (const q of ['after=-1', 'after=abc', 'limit=0', 'limit=5000', 'after=1e999', 'limit=1.5']) {
      const r = await orch.app.inject({ method: 'GET', url: `/v1/events?${q}`, headers: AUTH });
      expect([400, 422], q).toContain(r.statusCode);
      expect(r.json().error.code).toBe('invalid_input');
    }
  });
});

describe('GET /v1/events/stream', () => {
  it('pushes new events live, in id order, with heartbeat comments while idle', async () => {
    const { orch, base } = await listening();
    await heartbeat(orch.app, '198.51.100.1', 0);
    const c = await stream(base);
    expect(c.status).toBe(200);
    // Starts "from now": the earlier event is not replayed.
    await eventually(() => c.comments >= 2, 3000, 'heartbeat comments');
    expect(c.messages).toHaveLength(0);
    const start = await orch.app.inject({ method: 'POST', url: '/sessions/start' });
    const code = start.json().share_tag;
    await eventually(
      () => c.messages.some((m) => m.event === 'session.started'),
      3000,
      'session.started on the stream',
    );
    const started = c.messages.find((m) => m.event === 'session.started')!;
    expect(started.data.data.code).toBe(code);
    // Regions (issue 23): every session says where it is and why (null: the default region, no choice).
    expect(started.data.data).toMatchObject({ region: 'local', placement: null });
    const idsSeen = c.messages.map((m) => m.id);
    expect(idsSeen).toEqual([...idsSeen].sort((a, b) => a - b));
  });

  it('resumes after Last-Event-ID and refuses one that is not an id', async () => {
    const { orch, base } = await listening();
    for (let i = 1; i <= 3; i++) await heartbeat(orch.app, `198.51.100.${i}`, 0);
    const all = (await orch.app.inject({ method: 'GET', url: '/v1/events', headers: AUTH })).json().events;
    const c = await stream(base, { ...AUTH, 'last-event-id': String(all[0].id) });
    await eventually(() => c.messages.length >= 2, 3000, 'replayed events');
    expect(c.messages.map((m) => m.id)).toEqual(all.slice(1).map((e: { id: number }) => e.id));
    const bad = await stream(base, { ...AUTH, 'last-event-id': 'x1' });
    expect(bad.status).toBe(422);
    const anon = await stream(base, {});
    expect(anon.status).toBe(401);
  });

  it('carries events another replica committed (PostgreSQL, found by polling)', async () => {
    const db = await dialectEnv('postgres');
    cleanups.push(db.cleanup);
    const a = await listening(db.env);
    const b = await testOrchestrator({ ...ENV, ...db.env });
    opened.push(b);
    const c = await stream(a.base);
    await eventually(() => c.comments >= 1, 3000, 'stream open');
    await heartbeat(b.app, '198.51.100.9', 0);
    await eventually(
      () => c.messages.some((m) => m.event === 'server.created'),
      3000,
      "replica B's event on replica A's stream",
    );
    expect(c.messages[0]!.data.data.ip).toBe('198.51.100.9');
  });

  it('drops a client that stops reading instead of buffering for it without bound', async () => {
    // Heartbeats far apart: only the buffer bound can drop it within the test's time.
    const { orch, base } = await listening({ SSE_MAX_BUFFER_BYTES: '65536', SSE_HEARTBEAT_MS: '60000' });
    // A client that reads the headers, then nothing more: its socket buffers fill up.
    const closed = new Promise<void>((resolve, reject) => {
      const req = request(`${base}/v1/events/stream?after=0`, { headers: AUTH });
      req.on('response', (res) => {
        res.pause();
        res.socket.on('close', () => resolve());
      });
      req.on('error', () => resolve());
      setTimeout(() => reject(new Error('the slow client was never dropped')), 20_000).unref();
      req.end();
    });
    await eventually(() => orch.view.sse.size === 1, 3000, 'stream open');
    // 60,000 events (~15 MB on the wire): far more than loopback socket buffers hold.
    for (let t = 0; t < 120; t++) {
      await orch.store.transaction(async (tx) => {
        for (let i = 0; i < 500; i++) {
          tx.recordEvent({
            atMs: Date.now(),
            kind: 'server.state_changed',
            serverId: `s-${t}-${i}`,
            sessionId: null,
            data: { from: 'ready', to: 'allocated', reason: 'x'.repeat(100) },
          });
        }
      });
    }
    await closed;
    await eventually(() => orch.view.sse.size === 0, 3000, 'the stream released');
  });

  it('ends open streams when the service shuts down', async () => {
    const { orch, base } = await listening();
    const c = await stream(base);
    await eventually(() => c.comments >= 1, 3000, 'stream open');
    await orch.close();
    await c.ended;
    opened.splice(opened.indexOf(orch), 1);
  });
});
