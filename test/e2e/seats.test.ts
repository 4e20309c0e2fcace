import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SessionsClient } from '../../packages/client/client.mjs';
import { GameServerAgent } from '../../packages/server/server.mjs';
import { deriveServerCredential } from '../../src/domain/credentials.js';
import { signSeatToken } from '../../src/domain/seat-token.js';
import { freshPgSchema } from '../helpers/databases.js';
import { freePort, REPO_ROOT, startService, waitFor, type RunningService } from '../helpers/processes.js';

/**
 * Seats end to end (issue 24): a real orchestrator (`serve`, local provider) whose game servers
 * are the sample, told to require seat tokens and to speak /v1; players are real WebSockets.
 */
const SECRET = 'e2e-credential-secret-0123456789abcdef';
const ADMIN = 'e2e-admin-token-0123456789abcdef0123';
const admin = { authorization: `Bearer ${ADMIN}` };

async function service(dir: string, env: Record<string, string>): Promise<{ svc: RunningService; gamePort: number }> {
  const gamePort = await freePort();
  const sample = path.join(REPO_ROOT, 'examples/game-server/server.mjs');
  const svc = await startService(['serve'], {
    DB_PATH: path.join(dir, 'orchestrator.db'),
    GAME_SERVER_COMMAND: `env ORCHESTRATOR_API=v1 REQUIRE_SEAT_TOKEN=1 ${process.execPath} ${sample}`,
    LOCAL_GAME_PORT: String(gamePort),
    LOCAL_HEARTBEAT_INTERVAL_MS: '300',
    // A server left empty by a dropped player must stay up for it to come back.
    LOCAL_EMPTY_SHUTDOWN_MS: '120000',
    LOCAL_STOP_GRACE_MS: '2000',
    START_TIMEOUT_S: '30',
    RECONCILE_INTERVAL_S: '0.3',
    SERVER_CREDENTIAL_SECRET: SECRET,
    ADMIN_TOKEN: ADMIN,
    JOIN_FAIL_LIMIT_PER_MIN: '0',
    START_RATE_LIMIT_PER_MIN: '0',
    SESSIONS_PER_ADDRESS: '0',
    SEAT_TTL_S: '3',
    RECONNECT_GRACE_S: '6',
    LOG_LEVEL: 'warn',
    ...env,
  });
  return { svc, gamePort };
}

/** A join's answer, as far as these tests read it. */
interface JoinAnswer {
  seat?: { token: string; player_id: string; again: boolean };
  error?: { code: string };
}
const answer = async (r: Response | Promise<Response>) => (await (await r).json()) as JoinAnswer;
const tokenOf = async (r: Promise<Response>) => (await answer(r)).seat!.token;

async function activeSession(svc: RunningService, maxPlayers: number): Promise<{ code: string; address: string }> {
  const client = new SessionsClient({ url: svc.url, retryBaseMs: 100 });
  const s = await client.startAndWait({ maxPlayers, timeoutMs: 30_000, pollS: 5 });
  return { code: s.code, address: s.address! };
}

function join(svc: RunningService, code: string, body: object = {}) {
  return fetch(`${svc.url}/v1/sessions/${code}/join`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

interface SessionSeats {
  session: { server_id: string };
  seats: { player_id: string; state: string }[];
}
async function seatList(svc: RunningService, code: string): Promise<SessionSeats> {
  return (await (await fetch(`${svc.url}/v1/sessions/${code}/players`, { headers: admin })).json()) as SessionSeats;
}
const seats = async (svc: RunningService, code: string) => (await seatList(svc, code)).seats;

/** A player connecting with a seat token: 'welcome', or the close code and reason of a refusal. */
function connect(
  address: string,
  port: number,
  token: string,
): Promise<{ ws: WebSocket; welcome: boolean; close?: string }> {
  const ws = new WebSocket(`ws://${address}:${port}/?seat=${encodeURIComponent(token)}`);
  return new Promise((resolve, reject) => {
    ws.once('message', (d) => resolve({ ws, welcome: JSON.parse(d.toString()).type === 'welcome' }));
    ws.once('close', (code, reason) => resolve({ ws, welcome: false, close: `${code} ${reason.toString()}` }));
    ws.once('error', reject);
  });
}

/** The overbooking race: 100 concurrent joins of a 4-seat session. */
async function race(svc: RunningService) {
  const { code } = await activeSession(svc, 4);
  const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => join(svc, code, { player_id: `r${i}` })));
  const bodies = await Promise.all(answers.map((r) => answer(r)));
  const tokens = bodies.filter((b) => b.seat?.token);
  expect(tokens).toHaveLength(4);
  expect(answers.filter((r) => r.status === 409)).toHaveLength(96);
  expect(bodies.filter((b) => b.error?.code === 'session_full')).toHaveLength(96);
  expect(await seats(svc, code)).toHaveLength(4);
}

describe('e2e: seats with the sample game server requiring tokens', () => {
  let dir: string;
  let svc: RunningService;
  let gamePort: number;
  const sockets: WebSocket[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'orch-seats-e2e-'));
    ({ svc, gamePort } = await service(dir, {}));
  });
  afterAll(async () => {
    sockets.forEach((ws) => ws.terminate());
    if (svc && svc.proc.exitCode === null) svc.proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('100 concurrent joins for 4 seats give exactly 4 tokens and 96 session_full (SQLite)', async () => {
    await race(svc);
  });

  it('the game server lets a good token in and refuses forged, expired and wrong-session tokens over a WebSocket', async () => {
    const { code, address } = await activeSession(svc, 4);
    const good = await tokenOf(join(svc, code, { player_id: 'ann' }));
    const [body, mac] = good.split('.') as [string, string];
    const forged = `${body}.${mac.slice(0, -2)}${mac.endsWith('AA') ? 'BB' : 'AA'}`;
    const serverId = (await seatList(svc, code)).session.server_id;
    const credential = deriveServerCredential(SECRET, serverId);
    const nowS = Math.floor(Date.now() / 1000);
    const expired = signSeatToken(credential, { session: code, player: 'ann', expiresAtS: nowS - 1 });
    const elsewhere = signSeatToken(credential, { session: 'ZZZZZZ', player: 'ann', expiresAtS: nowS + 600 });

    for (const [token, reason] of [
      [forged, 'forged'],
      [expired, 'expired'],
      [elsewhere, 'wrong_session'],
      ['not-a-token', 'malformed'],
    ] as const) {
      const r = await connect(address, gamePort, token);
      expect(r.welcome).toBe(false);
      expect(r.close).toBe(`4001 seat token refused: ${reason}`);
    }
    const ok = await connect(address, gamePort, good);
    sockets.push(ok.ws);
    expect(ok.welcome).toBe(true);
    // The game server reported the player: the seat is taken.
    await waitFor('ann’s seat taken', async () =>
      (await seats(svc, code)).find((s) => s.player_id === 'ann' && s.state === 'taken'),
    );
  });

  it('a seat not taken up within SEAT_TTL_S is freed, and the place goes to someone else', async () => {
    const { code } = await activeSession(svc, 1);
    expect((await join(svc, code, { player_id: 'never-came' })).status).toBe(200);
    expect((await join(svc, code, { player_id: 'waiting' })).status).toBe(409);
    await waitFor('the seat freed', async () => (await seats(svc, code)).length === 0, 30_000, 100);
    expect((await join(svc, code, { player_id: 'waiting' })).status).toBe(200);
  });

  it('the game server’s heartbeat with its player list reports players: seats taken, one dropped from the list held for the grace, and back', async () => {
    const { code } = await activeSession(svc, 2);
    const serverId = (await seatList(svc, code)).session.server_id;
    // The test speaks for the game server with its own credential, through the server SDK.
    const agent = new GameServerAgent({ url: svc.url, serverId, key: deriveServerCredential(SECRET, serverId) });
    expect((await join(svc, code, { player_id: 'fay' })).status).toBe(200);
    expect((await join(svc, code, { player_id: 'gus' })).status).toBe(200);
    const states = async () => (await seats(svc, code)).map((s) => `${s.player_id}:${s.state}`).sort();
    expect(await states()).toEqual(['fay:reserved', 'gus:reserved']);
    const seatsOf = (r: { status: number; body: unknown }) => (r.body as { seats?: unknown }).seats;
    const both = await agent.heartbeat(['fay', 'gus']);
    expect(both.status).toBe(200);
    expect(seatsOf(both)).toEqual({ taken: ['fay', 'gus'], left: [], unknown: [] });
    expect(agent.session).toBe(code);
    expect(await states()).toEqual(['fay:taken', 'gus:taken']);
    // Past SEAT_TTL_S (3 s) taken seats stay, while the sample's own heartbeats (a count, no list) go on.
    await new Promise((r) => setTimeout(r, 3500));
    expect(await states()).toEqual(['fay:taken', 'gus:taken']);
    // gus dropped: no longer listed, his seat is held for the grace and the session stays full.
    expect(seatsOf(await agent.heartbeat(['fay']))).toEqual({ taken: [], left: ['gus'], unknown: [] });
    expect(await states()).toEqual(['fay:taken', 'gus:left']);
    expect((await join(svc, code, { player_id: 'hal' })).status).toBe(409);
    const back = await answer(join(svc, code, { player_id: 'gus' }));
    expect(back.seat).toMatchObject({ player_id: 'gus', again: true });
    expect(seatsOf(await agent.heartbeat(['fay', 'gus']))).toEqual({ taken: ['gus'], left: [], unknown: [] });
    expect(await states()).toEqual(['fay:taken', 'gus:taken']);
  });

  it('a dropped player reconnects into the full session within the grace, and is refused after it', async () => {
    const { code, address } = await activeSession(svc, 1);
    const first = await tokenOf(join(svc, code, { player_id: 'dora' }));
    const p1 = await connect(address, gamePort, first);
    expect(p1.welcome).toBe(true);
    await waitFor('dora taken', async () => (await seats(svc, code))[0]?.state === 'taken');
    p1.ws.close();
    await waitFor('dora left', async () => (await seats(svc, code))[0]?.state === 'left');
    expect((await join(svc, code, { player_id: 'eve' })).status).toBe(409);
    // Within the grace: her seat, though the session is full.
    const back = await answer(join(svc, code, { player_id: 'dora' }));
    expect(back.seat).toMatchObject({ player_id: 'dora', again: true });
    const p2 = await connect(address, gamePort, back.seat!.token);
    expect(p2.welcome).toBe(true);
    await waitFor('dora taken again', async () => (await seats(svc, code))[0]?.state === 'taken');
    p2.ws.close();
    await waitFor('dora left again', async () => (await seats(svc, code))[0]?.state === 'left');
    await waitFor('the grace over: the seat freed', async () => (await seats(svc, code)).length === 0, 30_000, 100);
    expect((await join(svc, code, { player_id: 'eve' })).status).toBe(200);
    const refused = await join(svc, code, { player_id: 'dora' });
    expect(refused.status).toBe(409);
    expect((await answer(refused)).error?.code).toBe('session_full');
  });
});

describe('e2e: the overbooking race on PostgreSQL', () => {
  let dir: string;
  let svc: RunningService;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'orch-seats-pg-e2e-'));
    const schema = await freshPgSchema();
    drop = schema.drop;
    // SEAT_TTL_S 3 (the TTL test's) freed the first seats mid-race on a loaded machine (100
    // PostgreSQL joins took over 3 s), and their places rightly went to later joins: 8 tokens.
    ({ svc } = await service(dir, { DATABASE_URL: schema.url, SEAT_TTL_S: '120' }));
  });
  afterAll(async () => {
    if (svc && svc.proc.exitCode === null) {
      svc.proc.kill('SIGTERM');
      await svc.exited;
    }
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('100 concurrent joins for 4 seats give exactly 4 tokens and 96 session_full (PostgreSQL)', async () => {
    await race(svc);
  });
});
