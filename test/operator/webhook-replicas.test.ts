import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { freshPgSchema } from '../helpers/databases.js';
import { eventually, HttpReceiver, type Received } from '../helpers/http-receiver.js';
import { startService, type RunningService } from '../helpers/processes.js';
import { signedHeaders } from '../helpers/sign.js';

/*
 * Two replicas as two processes on one PostgreSQL, one webhook URL. The first takes the URL's
 * lease; the second competes for it all along. The holder is killed (SIGKILL) while a delivery
 * is in flight; the second must take over once the lease runs out and deliver the rest, and
 * nothing may arrive twice but the one event whose answer the dead holder never saw.
 */
const KEY = 'webhook-replicas-key';
const ADMIN = 'op';
const LEASE_MS = 2000;
const HELD = 4; // the receiver holds its 4th request: the holder dies with it in flight

const services: RunningService[] = [];
let receiver: HttpReceiver | null = null;
let schema: Awaited<ReturnType<typeof freshPgSchema>> | null = null;
afterAll(async () => {
  for (const s of services) if (s.proc.exitCode === null && s.proc.signalCode === null) s.proc.kill('SIGKILL');
  await Promise.all(services.map((s) => s.exited));
  await receiver?.close();
  await schema?.drop();
});

async function heartbeat(s: RunningService, ip: string): Promise<void> {
  const body = JSON.stringify({ droplet_ip: ip, connected_clients: 0 });
  const headers = { 'content-type': 'application/json', ...signedHeaders(KEY, 'POST', '/server/heartbeat', body) };
  const res = await fetch(`${s.url}/server/heartbeat`, { method: 'POST', headers, body });
  expect(res.status).toBe(200);
}

async function eventIds(s: RunningService): Promise<number[]> {
  const res = await fetch(`${s.url}/v1/events?after=0&limit=1000`, { headers: { authorization: `Bearer ${ADMIN}` } });
  return ((await res.json()) as { events: { id: number }[] }).events.map((e) => e.id);
}

async function leaseOwner(url: string): Promise<string | null> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ owner: string | null }>('SELECT owner FROM webhook_targets');
    expect(rows).toHaveLength(1);
    return rows[0]!.owner;
  } finally {
    await c.end();
  }
}

const ids = (rs: Received[]) => rs.map((r) => Number(r.headers['webhook-id']));

describe('webhooks: two replicas (two processes) on PostgreSQL', () => {
  it('the lease holder dies mid-delivery: the other takes the URL after the lease and delivers the rest; only the event in flight arrives twice', async () => {
    schema = await freshPgSchema();
    receiver = await new HttpReceiver((_r, n) => (n === HELD ? 'hold' : 200)).listen();
    const env = {
      DATABASE_URL: schema.url,
      INTERNAL_HMAC_KEY: KEY,
      ADMIN_TOKEN: ADMIN,
      WEBHOOK_URL: receiver.url,
      WEBHOOK_SECRET: 'whsec-replicas',
      WEBHOOK_TIMEOUT_MS: String(LEASE_MS / 2),
      WEBHOOK_LEASE_MS: String(LEASE_MS),
      EVENTS_POLL_MS: '50',
      START_RATE_LIMIT_PER_MIN: '0',
      LOG_LEVEL: 'warn',
    };
    // The first replica alone: its first delivery shows it holds the lease.
    const first = await startService(['serve'], env);
    services.push(first);
    await heartbeat(first, '198.51.100.1');
    await eventually(() => receiver!.received.length >= 1, 30_000, 'the first replica delivers');
    const holder = await leaseOwner(schema.url);
    expect(holder).not.toBeNull();

    // The second replica competes from now on; the events come through it.
    const second = await startService(['serve'], env);
    services.push(second);
    for (let i = 2; i <= 8; i++) await heartbeat(second, `198.51.100.${i}`);
    await eventually(() => receiver!.heldCount === 1, 30_000, 'a delivery in flight');
    expect(await leaseOwner(schema.url)).toBe(holder);
    first.proc.kill('SIGKILL');
    await first.exited;

    // The second takes over once the lease has run out, and delivers every event.
    const all = await eventIds(second);
    expect(all.length).toBeGreaterThan(HELD + 2);
    await eventually(() => new Set(ids(receiver!.received)).size === all.length, 60_000, 'every event delivered');
    const taker = await leaseOwner(schema.url);
    expect(taker).not.toBeNull();
    expect(taker).not.toBe(holder);
    // Past another lease: no late or repeated delivery from anyone.
    const count = receiver.received.length;
    await new Promise((r) => setTimeout(r, LEASE_MS * 2));
    expect(receiver.received.length).toBe(count);

    const got = ids(receiver.received);
    const inFlight = got[HELD - 1]!;
    // In event order; the one the dead holder never heard answered comes again, nothing else does.
    expect(got).toEqual([...all.slice(0, HELD), ...all.slice(HELD - 1)]);
    expect(got.filter((id) => id === inFlight)).toHaveLength(2);
  }, 120_000);
});
