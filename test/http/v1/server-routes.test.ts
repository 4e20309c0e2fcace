import { afterEach, describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../../src/orchestrator.js';
import { TEST_KEY, testOrchestrator } from '../../helpers/orchestrator.js';
import { signedHeaders } from '../../helpers/sign.js';
import { readyServer, serverCall, startV1 } from './v1-helpers.js';

let orch: Orchestrator;
afterEach(async () => orch?.close());

describe("game-server routes by id (signed with the server's own credential)", () => {
  it('heartbeat records players and reports the session the server holds', async () => {
    orch = await testOrchestrator();
    const srv = await readyServer(orch, '203.0.113.10');
    const code = (await startV1(orch)).json().code;
    const r = await serverCall(orch, srv.id, 'heartbeat', srv.credential, { players: 3 });
    expect(r.statusCode).toBe(200);
    expect(r.json().server).toMatchObject({ id: srv.id, state: 'allocated', players: 3 });
    expect(r.json().session).toMatchObject({ code, state: 'active', players: 3 });
    expect((await orch.store.getServer(srv.id))!.players).toBe(3);
  });

  it('ready makes a booting server ready and hands it to the waiting session', async () => {
    orch = await testOrchestrator({ MAX_SERVERS: '1', START_TIMEOUT_S: '600' });
    const pending = await startV1(orch);
    expect(pending.statusCode).toBe(202);
    // The start reserved a server row for it; the local provider launches its process and
    // records the machine's address (the provider's address is the truth, not the caller's).
    let booting = (await orch.store.listServers()).find((s) => s.state === 'creating' || s.state === 'starting');
    for (let i = 0; i < 500 && booting?.state !== 'starting'; i++) {
      await new Promise((r) => setTimeout(r, 10));
      booting = (await orch.store.listServers()).find((s) => s.state === 'creating' || s.state === 'starting');
    }
    expect(booting?.state).toBe('starting');
    const r = await serverCall(orch, booting!.id, 'ready', orch.ops.credentialFor(booting!.id), {
      address: booting!.ip!,
    });
    expect(r.statusCode).toBe(200);
    expect(r.json().server.state).toBe('allocated');
    expect(r.json().session).toMatchObject({ code: pending.json().code, state: 'active' });
  });

  it('end ends the session and releases the server', async () => {
    orch = await testOrchestrator();
    const srv = await readyServer(orch, '203.0.113.11');
    const code = (await startV1(orch)).json().code;
    const r = await serverCall(orch, srv.id, 'end', srv.credential);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ ended: true, external: true });
    const s = await orch.store.findSessionByCode(code);
    expect(s).toMatchObject({ state: 'ended', endReason: 'server_ended' });
  });

  it('a credential for another server is refused, and changes nothing', async () => {
    orch = await testOrchestrator();
    const a = await readyServer(orch, '203.0.113.12');
    const b = await readyServer(orch, '203.0.113.13');
    for (const action of ['heartbeat', 'ready', 'end']) {
      const r = await serverCall(orch, b.id, action, a.credential, action === 'end' ? undefined : { players: 5 });
      expect(r.statusCode, action).toBe(401);
      expect(r.json().error.code).toBe('unauthorized');
    }
    // Claiming to be A in the header while calling B's path is refused too.
    const spoof = await serverCall(orch, b.id, 'heartbeat', a.credential, { players: 5 }, { 'server-id': a.id });
    expect(spoof.statusCode).toBe(401);
    expect((await orch.store.getServer(b.id))!).toMatchObject({ players: 0, state: 'ready' });
  });

  it('the shared INTERNAL_HMAC_KEY does not speak for a server id', async () => {
    orch = await testOrchestrator();
    const a = await readyServer(orch, '203.0.113.14');
    const r = await serverCall(orch, a.id, 'heartbeat', TEST_KEY, { players: 1 });
    expect(r.statusCode).toBe(401);
  });

  it('unsigned, stale, replayed, unknown-server and tampered calls → 401 in the v1 shape', async () => {
    orch = await testOrchestrator();
    const a = await readyServer(orch, '203.0.113.15');
    const url = `/v1/servers/${a.id}/heartbeat`;
    const body = JSON.stringify({ players: 1 });
    const json = { 'content-type': 'application/json' };
    const unsigned = await orch.app.inject({ method: 'POST', url, headers: json, payload: body });
    expect(unsigned.statusCode).toBe(401);
    expect(unsigned.json().error.code).toBe('unauthorized');
    const stale = await orch.app.inject({
      method: 'POST',
      url,
      headers: { ...json, ...signedHeaders(a.credential, 'POST', url, body, Math.floor(Date.now() / 1000) - 3600) },
      payload: body,
    });
    expect(stale.statusCode).toBe(401);
    expect(stale.json().error.code).toBe('stale_signature');
    const h = { ...json, ...signedHeaders(a.credential, 'POST', url, body) };
    expect((await orch.app.inject({ method: 'POST', url, headers: h, payload: body })).statusCode).toBe(200);
    expect((await orch.app.inject({ method: 'POST', url, headers: h, payload: body })).statusCode).toBe(401);
    const tampered = await orch.app.inject({
      method: 'POST',
      url,
      headers: { ...json, ...signedHeaders(a.credential, 'POST', url, body) },
      payload: JSON.stringify({ players: 9 }),
    });
    expect(tampered.statusCode).toBe(401);
    const ghost = await serverCall(orch, 'no-such-server', 'heartbeat', orch.ops.credentialFor('no-such-server'), {
      players: 1,
    });
    expect(ghost.statusCode).toBe(401);
  });

  it('bad bodies are checked after the signature: 400 when signed, 401 when not', async () => {
    orch = await testOrchestrator();
    const a = await readyServer(orch, '203.0.113.16');
    for (const payload of [{ players: -1 }, { players: 'x' }, { players: 1, address: 'not-an-ip' }, {}]) {
      const r = await serverCall(orch, a.id, 'heartbeat', a.credential, payload);
      expect(r.statusCode, JSON.stringify(payload)).toBe(400);
      expect(r.json().error.code).toBe('invalid_input');
    }
    const url = `/v1/servers/${a.id}/heartbeat`;
    const raw = '{broken';
    const signedBad = await orch.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', ...signedHeaders(a.credential, 'POST', url, raw) },
      payload: raw,
    });
    expect(signedBad.statusCode).toBe(400);
    const unsignedBad = await orch.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json' },
      payload: raw,
    });
    expect(unsignedBad.statusCode).toBe(401);
  });
});
