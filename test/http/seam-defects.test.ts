import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventKind, type FleetEvent } from '../../src/domain/events.js';
import type { Orchestrator } from '../../src/orchestrator.js';
import { createStore } from '../../src/store/create-db.js';
import { makeServer, makeSession } from '../store/fixtures.js';
import { heartbeat, testOrchestrator } from '../helpers/orchestrator.js';
import { signedHeaders } from '../helpers/sign.js';

/** Regression tests of the defects found by hostile testing (issue 8, part 5). */
let orch: Orchestrator | null = null;
const dirs: string[] = [];
afterEach(async () => {
  await orch?.close();
  orch = null;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDb(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'orch-seam-'));
  dirs.push(dir);
  return path.join(dir, 'orchestrator.db');
}

describe('defects at the seam', () => {
  it('a start that timed out: a retry with the same Idempotency-Key starts a new session once capacity is free', async () => {
    orch = await testOrchestrator({ START_TIMEOUT_S: '0.3', MAX_SERVERS: '0' });
    const headers = { 'idempotency-key': 'retry-me' };
    const first = await orch.app.inject({ method: 'POST', url: '/sessions/start', headers });
    expect(first.statusCode).toBe(503);
    expect(first.headers['retry-after']).toBeDefined();
    // Capacity appears: a studio's own server joins the pool.
    expect((await heartbeat(orch.app, '198.51.100.70', 0)).statusCode).toBe(200);
    const retry = await orch.app.inject({ method: 'POST', url: '/sessions/start', headers });
    expect(retry.statusCode).toBe(200);
    expect(retry.json()).toMatchObject({ ip_address: '198.51.100.70', share_tag: expect.any(String) });
    // And the key now names that session: the same answer again.
    const again = await orch.app.inject({ method: 'POST', url: '/sessions/start', headers });
    expect(again.json().share_tag).toBe(retry.json().share_tag);
  });

  it('after a crash mid-start, the first start after the restart gets the next server; the dead start’s work is resolved', async () => {
    const db = tempDb();
    // What a process killed mid-start leaves: its pending session and a create it never
    // heard back from, both leased to it and the leases still running.
    const dead = await createStore({ kind: 'sqlite', path: db });
    const lease = Date.now() + 60_000;
    const deadSession = makeSession({ createdAtMs: Date.now() - 1000, owner: 'dead-process', leaseUntilMs: lease });
    const deadCreate = makeServer({
      state: 'creating',
      ip: null,
      readyAtMs: null,
      lastHeartbeatAtMs: null,
      createdAtMs: Date.now() - 20_000,
      owner: 'dead-process',
      leaseUntilMs: lease,
    });
    await dead.insertSession(deadSession);
    await dead.insertServer(deadCreate);
    await dead.close();

    // Restarted: the local provider's machine has its address at once (readiness by address).
    orch = await testOrchestrator({ DB_PATH: db, READINESS: 'address', START_TIMEOUT_S: '5', MAX_SERVERS: '2' });
    const start = await orch.app.inject({ method: 'POST', url: '/sessions/start' });
    expect(start.statusCode).toBe(200);
    expect(start.json().ip_address).toMatch(/^127\./);
    expect(await orch.store.getSession(deadSession.id)).toMatchObject({ state: 'ended', endReason: 'abandoned' });
    // The first pass finds no machine for the interrupted create (older than a listing's lag)
    // and drops the row, long before the orphan grace.
    await orch.reconciler.runPass();
    expect(await orch.store.getServer(deadCreate.id)).toMatchObject({
      state: 'deleted',
      reason: expect.stringMatching(/interrupted/),
    });
  });

  it('SIGTERM (close) while starts wait: each gets a 503 with Retry-After at once and its session ends', async () => {
    orch = await testOrchestrator({ START_TIMEOUT_S: '30' });
    const ended: FleetEvent[] = [];
    orch.store.onEvents((es) => ended.push(...es.filter((e) => e.kind === EventKind.SessionEnded)));
    const waiting = [1, 2, 3].map(() => orch!.app.inject({ method: 'POST', url: '/sessions/start' }));
    for (let i = 0; i < 200 && (await orch.store.countSessions(['pending'])) < 3; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(await orch.store.countSessions(['pending'])).toBe(3);
    const closing = orch.close();
    const answers = await Promise.all(waiting);
    await closing;
    orch = null;
    for (const a of answers) {
      expect(a.statusCode).toBe(503);
      expect(Number(a.headers['retry-after'])).toBeGreaterThan(0);
      expect(a.json().detail).toMatch(/shutting down/);
    }
    expect(ended.map((e) => e.data.reason)).toEqual(['shutting_down', 'shutting_down', 'shutting_down']);
  });

  describe('a heartbeat signed with a server’s own credential', () => {
    async function madeServer(o: Orchestrator, ip: string) {
      const s = makeServer({
        state: 'starting',
        origin: 'local',
        ip,
        providerId: `p-${randomUUID()}`,
        readyAtMs: null,
        lastHeartbeatAtMs: null,
      });
      await o.store.insertServer(s);
      return s;
    }
    function credentialHeartbeat(o: Orchestrator, serverId: string, ip: string, players = 0) {
      const body = JSON.stringify({ droplet_ip: ip, connected_clients: players });
      return o.app.inject({
        method: 'POST',
        url: '/server/heartbeat',
        headers: {
          'content-type': 'application/json',
          'server-id': serverId,
          ...signedHeaders(o.ops.credentialFor(serverId), 'POST', '/server/heartbeat', body),
        },
        payload: body,
      });
    }

    it('reporting an address another server holds is a 409 with a reason, and changes nothing', async () => {
      orch = await testOrchestrator();
      expect((await heartbeat(orch.app, '198.51.100.80', 0)).statusCode).toBe(200);
      const s = await madeServer(orch, '127.0.0.80');
      const r = await credentialHeartbeat(orch, s.id, '198.51.100.80');
      expect(r.statusCode).toBe(409);
      expect(r.json().detail).toMatch(/198\.51\.100\.80 belongs to another server/);
      expect(await orch.store.getServer(s.id)).toMatchObject({
        state: 'starting',
        ip: '127.0.0.80',
        lastHeartbeatAtMs: null,
      });
    });

    it('reporting a different (private) address: the provider’s address is kept, handed to players, and the answer says so', async () => {
      orch = await testOrchestrator();
      const s = await madeServer(orch, '203.0.113.81');
      const r = await credentialHeartbeat(orch, s.id, '10.0.0.81');
      expect(r.statusCode).toBe(200);
      expect(r.json()).toMatchObject({
        message: 'Heartbeat updated successfully.',
        warning: expect.stringMatching(/10\.0\.0\.81 was ignored.*203\.0\.113\.81/),
      });
      expect(await orch.store.getServer(s.id)).toMatchObject({ state: 'ready', ip: '203.0.113.81' });
      const start = await orch.app.inject({ method: 'POST', url: '/sessions/start' });
      expect(start.json().ip_address).toBe('203.0.113.81');
    });

    it('before the provider reported an address, the heartbeat is recorded but the server is not handed out', async () => {
      orch = await testOrchestrator({ START_TIMEOUT_S: '0.2' });
      const s = makeServer({ state: 'creating', origin: 'local', ip: null, readyAtMs: null, lastHeartbeatAtMs: null });
      await orch.store.insertServer(s);
      const r = await credentialHeartbeat(orch, s.id, '10.0.0.82', 0);
      expect(r.statusCode).toBe(200);
      expect(await orch.store.getServer(s.id)).toMatchObject({
        state: 'creating',
        ip: null,
        lastHeartbeatAtMs: expect.any(Number),
      });
      // Its provider then reports the machine's address: heard from already, so ready.
      await orch.ops.recordMachine(s.id, {
        providerId: 'm-82',
        serverId: s.id,
        status: 'active',
        ip: '203.0.113.82',
        port: null,
        createdAtMs: Date.now(),
        region: null,
      });
      expect(await orch.store.getServer(s.id)).toMatchObject({ state: 'ready', ip: '203.0.113.82' });
    });
  });

  it('errors outside the original routes answer in the service’s own shape', async () => {
    orch = await testOrchestrator();
    const r = await orch.app.inject({ method: 'GET', url: '/v1/status' });
    expect(r.json()).toEqual({ error: { code: 'unavailable', message: expect.any(String) } });
    // The original's routes keep FastAPI's shape and wording.
    const join = await orch.app.inject({ method: 'POST', url: '/sessions/join?game_tag=ZZZZZZ' });
    expect(join.json()).toEqual({ detail: 'Droplet not found in database.' });
  });
});
