import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../providers/local/process-helpers.js';
import { clientsIn, ends, fakeOrchestrator, heartbeats, type FakeOrchestrator } from './fake-orchestrator.js';
import { Player, runGameServer, type RunningGameServer } from './game-server-kit.js';

const CREDENTIAL = 'server-credential-never-printed';
const SHARED = 'shared-secret-never-printed';
const SERVER_ID = '0b1c2d3e-4f50-4617-8283-949596979899';

let running: RunningGameServer[] = [];
let fakes: FakeOrchestrator[] = [];
let players: Player[] = [];

afterEach(async () => {
  players.forEach((p) => p.ws.terminate());
  for (const s of running) {
    s.proc.kill('SIGKILL');
    expect(s.lines.join('\n')).not.toMatch(new RegExp(`${CREDENTIAL}|${SHARED}`)); // never logged
  }
  await Promise.all(fakes.map((f) => f.close()));
  running = [];
  fakes = [];
  players = [];
});

/** A fake orchestrator and a game server signing with its own credential. */
async function start(env: Record<string, string> = {}, key = CREDENTIAL) {
  const orch = await fakeOrchestrator(key);
  fakes.push(orch);
  const server = await runGameServer(
    { ORCHESTRATOR_URL: orch.url, SERVER_ID, SERVER_CREDENTIAL: CREDENTIAL, PUBLIC_IP: '203.0.113.7', ...env },
    running,
  );
  return { orch, server };
}

async function join(url: string): Promise<Player> {
  const p = await Player.join(url);
  players.push(p);
  return p;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('sample game server', () => {
  it('sends a heartbeat at start, signed with its own credential and carrying Server-Id', async () => {
    const { orch } = await start({ INTERNAL_HMAC_SECRET: SHARED }); // the credential wins over the shared secret
    const [first] = await waitFor(() => heartbeats(orch).length > 0 && heartbeats(orch), 'a heartbeat');
    expect(first).toMatchObject({ method: 'POST', query: '', signatureOk: true, replay: false, status: 200 });
    expect(JSON.parse(first!.body)).toEqual({ droplet_ip: '203.0.113.7', connected_clients: 0 });
    expect(first!.headers['server-id']).toBe(SERVER_ID);
    expect(first!.headers['content-type']).toBe('application/json');
  });

  it.each([
    ['INTERNAL_HMAC_SECRET', { INTERNAL_HMAC_SECRET: SHARED }],
    ['INTERNAL_HMAC_SECRET when INTERNAL_HMAC_KEY is empty', { INTERNAL_HMAC_KEY: '', INTERNAL_HMAC_SECRET: SHARED }],
    ['INTERNAL_HMAC_KEY before INTERNAL_HMAC_SECRET', { INTERNAL_HMAC_KEY: SHARED, INTERNAL_HMAC_SECRET: 'other' }],
  ])('without SERVER_ID signs with the shared secret (%s) and sends no Server-Id', async (_name, keys) => {
    const { orch } = await start({ SERVER_ID: '', SERVER_CREDENTIAL: CREDENTIAL, PUBLIC_IP: '', ...keys }, SHARED);
    const [first] = await waitFor(() => heartbeats(orch).length > 0 && heartbeats(orch), 'a heartbeat');
    expect(first!.signatureOk).toBe(true);
    expect(first!.headers).not.toHaveProperty('server-id');
    expect(JSON.parse(first!.body)).toEqual({ droplet_ip: '127.0.0.1', connected_clients: 0 }); // PUBLIC_IP defaults to GAME_HOST
  });

  it('reports a joining player at once, not at the next interval', async () => {
    const { orch, server } = await start({ HEARTBEAT_INTERVAL_MS: '60000' });
    await waitFor(() => heartbeats(orch).length === 1, 'the first heartbeat');
    const t0 = Date.now();
    await join(server.url);
    const hb = await waitFor(
      () => heartbeats(orch).find((r) => clientsIn(r) === 1),
      'a heartbeat with 1 player',
      30_000,
    );
    expect(hb.signatureOk).toBe(true);
    expect(Date.now() - t0).toBeLessThan(30_000); // the interval is a minute: half of it is generous, and not the interval
  });

  it('is a small game: ids, join and leave announced, messages relayed to everyone', async () => {
    const { server } = await start();
    const alice = await join(server.url);
    const bob = await join(server.url);
    expect(alice.id).not.toBe(bob.id);
    expect(bob.messages[0]).toEqual({ type: 'welcome', id: bob.id, players: [alice.id] });
    await waitFor(() => alice.messages.some((m) => m.type === 'join' && m.id === bob.id), 'alice to see bob join');
    bob.ws.send('hello');
    for (const p of [alice, bob]) {
      await waitFor(
        () => p.messages.some((m) => m.type === 'message' && m.from === bob.id && m.text === 'hello'),
        'the message',
      );
    }
    await bob.leave();
    await waitFor(() => alice.messages.some((m) => m.type === 'leave' && m.id === bob.id), 'alice to see bob leave');
  });

  it('ends its session once, EMPTY_SHUTDOWN_MS after its last player left', async () => {
    const { orch, server } = await start({ HEARTBEAT_INTERVAL_MS: '50', EMPTY_SHUTDOWN_MS: '200' });
    const player = await join(server.url);
    await waitFor(() => heartbeats(orch).some((r) => clientsIn(r) === 1), 'a heartbeat with 1 player');
    await player.leave();
    const leftAt = Date.now();
    const [end] = await waitFor(() => ends(orch).length > 0 && ends(orch), '/server/end', 3000);
    expect(Date.now() - leftAt).toBeGreaterThanOrEqual(150); // not at once (sockets close a few ms apart)
    expect(end).toMatchObject({
      method: 'POST',
      query: 'droplet_ip=203.0.113.7',
      body: '',
      signatureOk: true,
      status: 200,
    });
    expect(end!.headers['server-id']).toBe(SERVER_ID);
    expect(end!.headers).not.toHaveProperty('content-type');
    const heartbeatsSoFar = heartbeats(orch).length;
    await sleep(1100); // identical heartbeats go at most once a second (signatures are single-use)
    expect(ends(orch)).toHaveLength(1);
    expect(heartbeats(orch).length).toBeGreaterThan(heartbeatsSoFar); // it keeps running until stopped
    expect(server.proc.exitCode).toBeNull();
  });

  it('a fresh server that never had a player does not end itself', async () => {
    const { orch } = await start({ HEARTBEAT_INTERVAL_MS: '50', EMPTY_SHUTDOWN_MS: '0' });
    await sleep(500);
    expect(heartbeats(orch).length).toBeGreaterThanOrEqual(1);
    expect(ends(orch)).toEqual([]);
  });

  it('a player who comes back in time keeps the session', async () => {
    // A 2 s window, so a loaded machine rejoins well within it; then past the window from the
    // first leave nothing has ended, and the end comes once the player leaves for good.
    const { orch, server } = await start({ HEARTBEAT_INTERVAL_MS: '50', EMPTY_SHUTDOWN_MS: '2000' });
    await (await join(server.url)).leave();
    const back = await join(server.url);
    await sleep(2500);
    expect(ends(orch)).toEqual([]);
    await back.leave();
    await waitFor(() => ends(orch).length === 1, 'the end after the last player left', 30_000);
  });

  it('serves a new session after its end when the orchestrator keeps it (recycling)', async () => {
    const { orch, server } = await start({ HEARTBEAT_INTERVAL_MS: '50', EMPTY_SHUTDOWN_MS: '100' });
    await (await join(server.url)).leave();
    await waitFor(() => ends(orch).length === 1, 'the first end', 3000);
    await waitFor(
      () => server.lines.some((l) => l.startsWith('serving again')),
      'a successful heartbeat after the end',
      3000,
    );
    await (await join(server.url)).leave();
    await waitFor(() => ends(orch).length === 2, 'the second end', 3000);
  });

  it('survives refused and failed heartbeats, and retries a refused end until accepted', async () => {
    const { orch, server } = await start({ HEARTBEAT_INTERVAL_MS: '50', EMPTY_SHUTDOWN_MS: '50' });
    orch.statusFor = () => 500;
    await waitFor(() => server.lines.some((l) => l.startsWith('heartbeat refused status=500')), 'a refused heartbeat');
    orch.statusFor = (r) => (r.path === '/server/end' && ends(orch).length < 1 ? 503 : 200);
    await (await join(server.url)).leave();
    await waitFor(() => ends(orch).length === 2, 'the end to be retried', 3000);
    expect(ends(orch).map((r) => r.status)).toEqual([503, 200]);
    await waitFor(() => server.lines.some((l) => l.startsWith('session ended status=200')), 'the end to be logged');
    expect(server.lines.filter((l) => l.startsWith('end refused, will retry status=503'))).toHaveLength(1);

    await orch.close(); // the orchestrator goes away
    await waitFor(() => server.lines.some((l) => l.startsWith('heartbeat failed')), 'a failed heartbeat');
    const player = await join(server.url); // still serving players
    expect(player.id).toMatch(/^p\d+$/);
  });

  it('never reuses a signature, even for identical heartbeats within one second', async () => {
    const { orch } = await start({ HEARTBEAT_INTERVAL_MS: '20' });
    await sleep(1500);
    const sent = heartbeats(orch);
    expect(sent.length).toBeGreaterThanOrEqual(2);
    expect(sent.filter((r) => r.replay || !r.signatureOk)).toEqual([]);
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('on %s closes its players and exits 0 promptly', async (signal) => {
    const { server } = await start();
    const player = await join(server.url);
    const t0 = Date.now();
    server.proc.kill(signal);
    expect(await server.exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - t0).toBeLessThan(5000); // inside the local provider's default grace, even on a busy machine
    await waitFor(() => player.closeCode !== null, 'the player socket to close');
    expect(player.closeCode).toBe(1001);
  });

  it.each([
    [{ SERVER_ID: '', INTERNAL_HMAC_KEY: '', INTERNAL_HMAC_SECRET: '' }, /INTERNAL_HMAC_KEY/],
    [{ SERVER_CREDENTIAL: '' }, /SERVER_CREDENTIAL/],
    [{ GAME_PORT: 'seven' }, /GAME_PORT=seven/],
  ])('refuses a bad configuration %j with exit code 2', async (env, message) => {
    const orch = await fakeOrchestrator(CREDENTIAL);
    fakes.push(orch);
    const serverEnv = { ORCHESTRATOR_URL: orch.url, SERVER_ID, SERVER_CREDENTIAL: CREDENTIAL, ...env };
    await expect(runGameServer(serverEnv, running)).rejects.toThrow(/exited before listening/);
    const server = running.at(-1)!;
    expect((await server.exit).code).toBe(2);
    expect(server.lines.join('\n')).toMatch(message);
  });
});
