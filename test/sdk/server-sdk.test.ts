import { afterEach, describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator.js';
import { GameServerAgent } from '../../packages/server/server.mjs';
import { testOrchestrator } from '../helpers/orchestrator.js';
import { readyServer } from '../http/v1/v1-helpers.js';

let orch: Orchestrator | null = null;
afterEach(async () => {
  await orch?.close();
  orch = null;
});

describe('server SDK', () => {
  it("signs v1 heartbeat, ready and end with the server's own credential; identical calls in one second are not replays", async () => {
    orch = await testOrchestrator();
    const url = await orch.app.listen({ host: '127.0.0.1', port: 0 });
    const srv = await readyServer(orch, '198.51.100.50');
    const agent = new GameServerAgent({ url, serverId: srv.id, key: srv.credential });
    expect(agent.api).toBe('v1');
    expect((await agent.ready()).status).toBe(200);
    const a = await agent.heartbeat(2);
    const b = await agent.heartbeat(2); // same bytes: waits for the next second instead of being refused
    expect([a.status, b.status]).toEqual([200, 200]);
    expect((a.body as { server: { players: number } }).server.players).toBe(2);
    const other = await readyServer(orch, '198.51.100.51');
    const wrong = new GameServerAgent({ url, serverId: other.id, key: srv.credential });
    expect((await wrong.heartbeat(1)).status).toBe(401);
    // A list of player ids: its length is the count, and the seats it names are reported.
    const listed = await agent.heartbeat(['p1', 'p2', 'p3']);
    expect(listed.status).toBe(200);
    expect(listed.body).toMatchObject({ server: { players: 3 }, seats: { unknown: ['p1', 'p2', 'p3'] } });
    expect((await agent.end()).status).toBe(200);
  });

  it('speaks the original routes by address when told to (a server signed with the shared key)', async () => {
    orch = await testOrchestrator();
    const url = await orch.app.listen({ host: '127.0.0.1', port: 0 });
    const agent = new GameServerAgent({ url, key: 'test-hmac-secret', api: 'original', publicIp: '198.51.100.52' });
    expect((await agent.heartbeat(0)).status).toBe(200);
    expect((await orch.store.findActiveServerByIp('198.51.100.52'))?.state).toBe('ready');
    // The original routes have no seats: a list is sent as its length.
    expect((await agent.heartbeat(['a', 'b'])).status).toBe(200);
    expect((await orch.store.findActiveServerByIp('198.51.100.52'))?.players).toBe(2);
    expect((await agent.end()).status).toBe(200);
  });

  it('the heartbeat loop keeps going through failures (backing off) and stops when asked', async () => {
    const times: number[] = [];
    const statuses = [503, 503, 503, 200, 200];
    const fakeFetch = (async () => {
      times.push(Date.now());
      return new Response('{}', { status: statuses.shift() ?? 200 });
    }) as unknown as typeof fetch;
    const agent = new GameServerAgent({ url: 'http://o.invalid', serverId: 's1', key: 'k', fetch: fakeFetch });
    const results: (number | undefined)[] = [];
    agent.startHeartbeats({
      players: () => 0,
      intervalMs: 20,
      maxBackoffMs: 200,
      onResult: (r) => results.push(r.status),
    });
    const deadline = Date.now() + 10_000;
    while (results.length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await agent.stopHeartbeats();
    expect(results.slice(0, 5)).toEqual([503, 503, 503, 200, 200]);
    const n = results.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(results.length).toBe(n); // stopped
  });

  it('stopOnSignals() stops heartbeats, runs onStop with the signal, then exits 0', async () => {
    const agent = new GameServerAgent({
      url: 'http://o.invalid',
      serverId: 's1',
      key: 'k',
      fetch: async () => new Response('{}'),
    });
    agent.startHeartbeats({ players: () => 0, intervalMs: 10_000 });
    const exited = new Promise<{ code: number; signal: string }>((resolve) => {
      let signal = '';
      const remove = agent.stopOnSignals({
        signals: ['SIGUSR2'],
        onStop: (s) => void (signal = s),
        exit: (code) => (remove(), resolve({ code, signal })),
      });
    });
    process.kill(process.pid, 'SIGUSR2');
    expect(await exited).toEqual({ code: 0, signal: 'SIGUSR2' });
  });
});
