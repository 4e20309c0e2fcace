import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator.js';
import { verifyWebhook } from '../../src/webhooks/webhook-signature.js';
import { eventually, HttpReceiver, type Received } from '../helpers/http-receiver.js';
import { heartbeat, testOrchestrator } from '../helpers/orchestrator.js';

const SECRET = 'whsec-test-secret';
const AUTH = { authorization: 'Bearer op' };

let orch: Orchestrator | null = null;
let receivers: HttpReceiver[] = [];
afterEach(async () => {
  await orch?.close();
  orch = null;
  for (const r of receivers) await r.close();
  receivers = [];
});

async function receiver(answer?: ConstructorParameters<typeof HttpReceiver>[0]): Promise<HttpReceiver> {
  const r = await new HttpReceiver(answer).listen();
  receivers.push(r);
  return r;
}

function hookEnv(urls: string[], extra: Record<string, string> = {}): Record<string, string> {
  return {
    ADMIN_TOKEN: 'op',
    WEBHOOK_URL: urls.join(','),
    WEBHOOK_SECRET: SECRET,
    WEBHOOK_BACKOFF_BASE_MS: '5',
    WEBHOOK_BACKOFF_MAX_MS: '20',
    WEBHOOK_MAX_ATTEMPTS: '3',
    EVENTS_POLL_MS: '20',
    ...extra,
  };
}

/** The receiver counts a request before the deliverer records it: wait for the ledger too. */
async function settled(o: Orchestrator, lastId: number): Promise<void> {
  await eventually(
    async () => (await o.view.webhooks!.status()).every((t) => t.cursor >= lastId),
    5000,
    'cursors at the last event',
  );
}

const ids = (rs: Received[]) => rs.map((r) => Number(r.headers['webhook-id']));

async function allEvents(o: Orchestrator): Promise<{ id: number; kind: string }[]> {
  return (await o.app.inject({ method: 'GET', url: '/v1/events?after=0&limit=1000', headers: AUTH })).json().events;
}

/** Two servers heartbeat, a session starts and ends: a handful of events of several kinds. */
async function someTraffic(o: Orchestrator): Promise<void> {
  await heartbeat(o.app, '198.51.100.1', 0);
  await heartbeat(o.app, '198.51.100.2', 0);
  const start = await o.app.inject({ method: 'POST', url: '/sessions/start' });
  expect(start.statusCode).toBe(200);
}

describe('webhooks', () => {
  it('signs every delivery and sends every event in outbox order', async () => {
    const rx = await receiver();
    orch = await testOrchestrator(hookEnv([rx.url]));
    await someTraffic(orch);
    const events = await allEvents(orch);
    expect(events.length).toBeGreaterThanOrEqual(4);
    await eventually(() => rx.received.length >= events.length, 5000, 'every event delivered');
    expect(ids(rx.received)).toEqual(events.map((e) => e.id));
    await settled(orch, events.at(-1)!.id);
    const nowS = Math.floor(Date.now() / 1000);
    for (const r of rx.received) {
      const h = {
        timestamp: r.headers['webhook-timestamp'] as string,
        signature: r.headers['webhook-signature'] as string,
      };
      expect(verifyWebhook(SECRET, h, r.body, nowS)).toBe(true);
      expect(verifyWebhook('another-secret', h, r.body, nowS)).toBe(false);
      expect(verifyWebhook(SECRET, h, r.body.replace('}', ' }'), nowS)).toBe(false);
      const body = JSON.parse(r.body);
      expect(body.id).toBe(Number(r.headers['webhook-id']));
      expect(body.kind).toBe(r.headers['webhook-event']);
    }
    const status = (await orch.app.inject({ method: 'GET', url: '/v1/status', headers: AUTH })).json();
    expect(status.webhooks).toEqual([
      expect.objectContaining({
        urlHint: rx.url,
        delivered: events.length,
        dead: 0,
        cursor: events[events.length - 1]!.id,
      }),
    ]);
  });

  it('retries a failing receiver with backoff and keeps the order', async () => {
    // The first two requests fail (a 503, then a dropped connection is not needed: a 500).
    const rx = await receiver((_r, n) => (n === 1 ? 503 : n === 2 ? 500 : 200));
    orch = await testOrchestrator(hookEnv([rx.url]));
    await someTraffic(orch);
    const events = await allEvents(orch);
    await eventually(() => new Set(ids(rx.received)).size >= events.length, 5000, 'every event delivered');
    await settled(orch, events.at(-1)!.id);
    const first = events[0]!.id;
    // The same event three times (two failures, one success), then each later one once, in order.
    expect(ids(rx.received)).toEqual([first, first, ...events.map((e) => e.id)]);
    const [target] = (await orch.app.inject({ method: 'GET', url: '/v1/webhooks', headers: AUTH })).json().targets;
    expect(target).toMatchObject({ delivered: events.length, failedAttempts: 2, dead: 0, attempts: 0 });
  });

  it('keeps a dead letter after the last attempt and moves on; one failing URL does not hold another', async () => {
    const rejectsServers = await receiver((r) => (JSON.parse(r.body).kind === 'server.created' ? 500 : 204));
    const healthy = await receiver();
    orch = await testOrchestrator(hookEnv([rejectsServers.url, healthy.url]));
    await someTraffic(orch);
    const events = await allEvents(orch);
    const created = events.filter((e) => e.kind === 'server.created');
    expect(created).toHaveLength(2);
    await eventually(() => healthy.received.length >= events.length, 5000, 'healthy URL has every event');
    expect(ids(healthy.received)).toEqual(events.map((e) => e.id));
    const wanted = events.length + created.length * 2; // each server.created tried 3 times
    await eventually(() => rejectsServers.received.length >= wanted, 5000, 'failing URL settled');
    await settled(orch, events.at(-1)!.id);
    const hooks = await orch.app.inject({ method: 'GET', url: '/v1/webhooks', headers: AUTH });
    const { targets, deadLetters } = hooks.json();
    expect(deadLetters.map((d: { eventId: number }) => d.eventId).sort()).toEqual(created.map((e) => e.id).sort());
    for (const d of deadLetters) {
      expect(d).toMatchObject({ kind: 'server.created', attempts: 3, lastStatus: 500, lastError: 'HTTP 500' });
      expect(JSON.parse(d.body).id).toBe(d.eventId);
    }
    const failing = targets.find((t: { urlHint: string }) => t.urlHint === rejectsServers.url);
    expect(failing).toMatchObject({ dead: 2, delivered: events.length - 2, cursor: events[events.length - 1]!.id });
    // Order held on the failing URL too: ids never go backwards.
    const seen = ids(rejectsServers.received);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });

  it('adds no delay to the start that caused the event: a receiver that hangs does not hold it', async () => {
    const rx = await receiver(() => 'hold');
    orch = await testOrchestrator(hookEnv([rx.url], { WEBHOOK_TIMEOUT_MS: '600000' }));
    await heartbeat(orch.app, '198.51.100.1', 0);
    await eventually(() => rx.heldCount === 1, 5000, 'the first delivery to hang');
    const start = await orch.app.inject({ method: 'POST', url: '/sessions/start' });
    expect(start.statusCode).toBe(200);
    // The start answered while the receiver still holds the first delivery unanswered.
    expect(rx.heldCount).toBe(1);
    expect(rx.received).toHaveLength(1);
    rx.answer = () => 200;
    rx.release(200);
    const events = await allEvents(orch);
    await eventually(() => rx.received.length >= events.length, 5000, 'the rest delivered');
    expect(rx.received.map((r) => JSON.parse(r.body).kind)).toContain('session.started');
  });

  it('sends only the kinds in WEBHOOK_EVENTS', async () => {
    const rx = await receiver();
    orch = await testOrchestrator(hookEnv([rx.url], { WEBHOOK_EVENTS: 'session.*,server.deleted' }));
    await someTraffic(orch);
    const sessionEvents = (await allEvents(orch)).filter((e) => e.kind.startsWith('session.'));
    expect(sessionEvents.length).toBeGreaterThan(0);
    await eventually(() => rx.received.length >= sessionEvents.length, 5000, 'session events delivered');
    const last = (await allEvents(orch)).at(-1)!.id;
    await eventually(
      async () => (await orch!.view.webhooks!.status())[0]!.cursor === last,
      5000,
      'cursor past filtered events',
    );
    expect(ids(rx.received)).toEqual(sessionEvents.map((e) => e.id));
  });

  it('resumes from the cursor kept in the database after a restart, without resending', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'wh-'));
    try {
      const rx = await receiver();
      const env = hookEnv([rx.url], { DB_PATH: path.join(dir, 'o.db') });
      orch = await testOrchestrator(env);
      await heartbeat(orch.app, '198.51.100.1', 0);
      const before = await allEvents(orch);
      await eventually(() => rx.received.length >= before.length, 5000, 'first events delivered');
      await orch.close();
      orch = await testOrchestrator(env);
      await heartbeat(orch.app, '198.51.100.2', 0);
      const after = await allEvents(orch);
      await eventually(() => rx.received.length >= after.length, 5000, 'new events delivered');
      expect(ids(rx.received)).toEqual(after.map((e) => e.id));
    } finally {
      await orch?.close();
      orch = null;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // Two replicas competing for a URL: test/operator/webhook-replicas.test.ts (two processes).

  it('refuses WEBHOOK_URL without WEBHOOK_SECRET, naming the variable but not the URL', async () => {
    await expect(testOrchestrator({ WEBHOOK_URL: 'https://hooks.example/x?token=s3cr3t' })).rejects.toThrow(
      /WEBHOOK_SECRET is required/,
    );
    await expect(testOrchestrator({ WEBHOOK_URL: 'ftp://x?token=s3cr3t', WEBHOOK_SECRET: 'x' })).rejects.toThrow(
      /^(?!.*s3cr3t)[\s\S]*WEBHOOK_URL/,
    );
    await expect(
      testOrchestrator({ WEBHOOK_URL: 'https://u:s3cr3t@hooks.example/x', WEBHOOK_SECRET: 'x' }),
    ).rejects.toThrow(/^(?!.*s3cr3t)[\s\S]*user:password/);
  });
});
