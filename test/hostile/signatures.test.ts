import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator.js';
import { TEST_KEY, testOrchestrator } from '../helpers/orchestrator.js';
import { signedHeaders } from '../helpers/sign.js';
import { readyExternal, reasonOf, snapshot } from './hostile-helpers.js';

/** A signature is good for one request: its method, path, raw query, timestamp text and body bytes, once. */
let orch: Orchestrator;
beforeEach(async () => {
  orch = await testOrchestrator({ MAX_SERVERS: '0' });
});
afterEach(async () => {
  await orch.close();
});

type Headers = Record<string, string | string[]>;
const send = (url: string, headers: Headers, payload = '') =>
  orch.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...headers }, payload });
const body = (ip: string, players: number) => JSON.stringify({ droplet_ip: ip, connected_clients: players });

/** Sends a request that must be refused with 401 and leave servers and sessions alone. */
async function expectRefused(url: string, headers: Headers, payload = '') {
  const before = await snapshot(orch.store);
  const r = await send(url, headers, payload);
  expect(r.statusCode, `${url} → ${r.payload}`).toBe(401);
  expect(reasonOf(r)).not.toBeNull();
  expect(await snapshot(orch.store)).toBe(before);
}

describe('a used signature cannot be used again', () => {
  it('an exact replay → 401, and the first request took effect once', async () => {
    const b = body('203.0.113.10', 0);
    const h = signedHeaders(TEST_KEY, 'POST', '/server/heartbeat', b);
    expect((await send('/server/heartbeat', h, b)).statusCode).toBe(200);
    await expectRefused('/server/heartbeat', h, b);
    expect((await orch.store.listServers()).filter((s) => s.ip === '203.0.113.10')).toHaveLength(1);
  });

  it('a replay dressed up (upper-case hex, spaces, duplicated headers) → 401', async () => {
    const b = body('203.0.113.11', 0);
    const h = signedHeaders(TEST_KEY, 'POST', '/server/heartbeat', b);
    expect((await send('/server/heartbeat', h, b)).statusCode).toBe(200);
    const sig = h['request-signature']!;
    const ts = h['request-timestamp']!;
    await expectRefused('/server/heartbeat', { ...h, 'request-signature': sig.toUpperCase() }, b);
    await expectRefused('/server/heartbeat', { ...h, 'request-signature': ` ${sig} ` }, b);
    await expectRefused('/server/heartbeat', { ...h, 'request-signature': [sig, sig] }, b);
    await expectRefused('/server/heartbeat', { 'request-timestamp': ts, request_signature: sig }, b);
  });

  it('an ended server cannot be ended twice with the same signed request', async () => {
    const b = body('203.0.113.12', 0);
    expect(
      (await send('/server/heartbeat', signedHeaders(TEST_KEY, 'POST', '/server/heartbeat', b), b)).statusCode,
    ).toBe(200);
    const url = '/server/end?droplet_ip=203.0.113.12';
    const h = signedHeaders(TEST_KEY, 'POST', url);
    expect((await send(url, h)).statusCode).toBe(200);
    await expectRefused(url, h);
  });
});

describe('a signature covers exactly what was signed', () => {
  const ip = '203.0.113.20';
  const b = body(ip, 1);

  it('re-timed: another timestamp (or the same number written differently) → 401', async () => {
    const h = signedHeaders(TEST_KEY, 'POST', '/server/heartbeat', b);
    const ts = Number(h['request-timestamp']);
    for (const t of [
      String(ts + 1),
      String(ts - 1),
      `0${ts}`,
      `+${ts}`,
      ` ${ts}`,
      `${ts}`.replace(/(\d)(\d)$/, '$1_$2'),
    ]) {
      await expectRefused('/server/heartbeat', { ...h, 'request-timestamp': t }, b);
    }
  });

  it('re-targeted: another path, query or body → 401', async () => {
    const h = signedHeaders(TEST_KEY, 'POST', '/server/heartbeat', b);
    await expectRefused('/server/end', h, b);
    await expectRefused('/sessions/end', h, b);
    await expectRefused('/server/heartbeat?x=1', h, b);
    await expectRefused('/server/heartbeat', h, body(ip, 2));
    await expectRefused('/server/heartbeat', h, `${b} `);
    await expectRefused('/server/heartbeat', h, body('203.0.113.21', 1));
    const end = '/server/end?droplet_ip=203.0.113.20';
    const he = signedHeaders(TEST_KEY, 'POST', end);
    await expectRefused('/sessions/end?droplet_ip=203.0.113.20', he);
    await expectRefused('/server/end?droplet_ip=203.0.113.21', he);
    await expectRefused('/server/end?droplet_ip=203%2E0.113.20', he);
    await expectRefused('/server/end?droplet_ip=203.0.113.20&droplet_ip=203.0.113.21', he);
    await expectRefused(end, he, '{"extra": true}');
  });

  it('duplicated HMAC headers: the last one counts, so a bad one after the good one → 401', async () => {
    const h = signedHeaders(TEST_KEY, 'POST', '/server/heartbeat', b);
    await expectRefused(
      '/server/heartbeat',
      { 'request-timestamp': h['request-timestamp']!, 'request-signature': [h['request-signature']!, 'f'.repeat(64)] },
      b,
    );
    await expectRefused(
      '/server/heartbeat',
      { 'request-signature': h['request-signature']!, 'request-timestamp': [h['request-timestamp']!, '1'] },
      b,
    );
  });

  it('signed with another key, or stale in either direction → 401', async () => {
    await expectRefused('/server/heartbeat', signedHeaders(`${TEST_KEY}x`, 'POST', '/server/heartbeat', b), b);
    const now = Math.floor(Date.now() / 1000);
    for (const t of [now - 301, now + 301, 0, -1, 9_999_999_999])
      await expectRefused('/server/heartbeat', signedHeaders(TEST_KEY, 'POST', '/server/heartbeat', b, t), b);
  });
});

describe('a per-server credential speaks only for its own server', () => {
  it('another Server-Id or an unknown server → 401; another server’s address → 409, nothing changes', async () => {
    const now = Date.now();
    const a = { ...readyExternal('203.0.113.30', now), origin: 'local' as const, providerId: 'p-a' };
    const b2 = { ...readyExternal('203.0.113.31', now), origin: 'local' as const, providerId: 'p-b' };
    await orch.store.insertServer(a);
    await orch.store.insertServer(b2);
    const credA = orch.ops.credentialFor(a.id);
    const own = body(a.ip!, 1);
    const other = body(b2.ip!, 1);
    // A's own credential claiming B's address: a conflict with a reason, never a takeover.
    const takeover = await send(
      '/server/heartbeat',
      { 'server-id': a.id, ...signedHeaders(credA, 'POST', '/server/heartbeat', other) },
      other,
    );
    expect(takeover.statusCode).toBe(409);
    expect(takeover.json().detail).toMatch(/belongs to another server/);
    const endB = `/server/end?droplet_ip=${b2.ip}`;
    const endOther = await send(endB, { 'server-id': a.id, ...signedHeaders(credA, 'POST', endB) }, '');
    expect(endOther.statusCode).toBe(409);
    expect((await orch.store.getServer(b2.id))?.state).toBe('ready');
    expect((await orch.store.getServer(a.id))?.state).toBe('ready');
    await expectRefused(
      '/server/heartbeat',
      { 'server-id': b2.id, ...signedHeaders(credA, 'POST', '/server/heartbeat', own) },
      own,
    );
    await expectRefused(
      '/server/heartbeat',
      { 'server-id': randomUUID(), ...signedHeaders(credA, 'POST', '/server/heartbeat', own) },
      own,
    );
    await expectRefused(
      '/server/heartbeat',
      { 'server-id': 'x'.repeat(10_000), ...signedHeaders(credA, 'POST', '/server/heartbeat', own) },
      own,
    );
    // The shared key does not stand in for a per-server credential.
    await expectRefused(
      '/server/heartbeat',
      { 'server-id': a.id, ...signedHeaders(TEST_KEY, 'POST', '/server/heartbeat', own) },
      own,
    );
    const ok = await send(
      '/server/heartbeat',
      { 'server-id': a.id, ...signedHeaders(credA, 'POST', '/server/heartbeat', own) },
      own,
    );
    expect(ok.statusCode).toBe(200);
  });
});
