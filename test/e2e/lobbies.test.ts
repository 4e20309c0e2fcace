import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionsClient } from '../../packages/client/client.mjs';
import { freePort, REPO_ROOT, startService, type RunningService } from '../helpers/processes.js';

/**
 * Public lobbies end to end (issue 24): a real orchestrator (`serve`, SQLite file, local
 * provider running the sample game server) over real HTTP. MAX_SERVERS=2: the two sessions
 * started first get servers; every later one stays pending, which quick join must fill anyway.
 */
describe('e2e: public lobbies and quick join', () => {
  let dir: string;
  let svc: RunningService;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'orch-e2e-lobbies-'));
    const sample = path.join(REPO_ROOT, 'examples/game-server/server.mjs');
    svc = await startService(['serve'], {
      DB_PATH: path.join(dir, 'orchestrator.db'),
      GAME_SERVER_COMMAND: `env ORCHESTRATOR_API=v1 ${process.execPath} ${sample}`,
      LOCAL_GAME_PORT: String(await freePort()),
      LOCAL_HEARTBEAT_INTERVAL_MS: '300',
      LOCAL_EMPTY_SHUTDOWN_MS: '120000',
      LOCAL_STOP_GRACE_MS: '2000',
      START_TIMEOUT_S: '30',
      RECONCILE_INTERVAL_S: '0.3',
      MAX_SERVERS: '2',
      START_RATE_LIMIT_PER_MIN: '0',
      SESSIONS_PER_ADDRESS: '0',
      JOIN_FAIL_LIMIT_PER_MIN: '0',
      LOBBY_LIST_LIMIT_PER_MIN: '0',
      LOG_LEVEL: 'warn',
    });
  });
  afterAll(async () => {
    if (svc && svc.proc.exitCode === null) {
      svc.proc.kill('SIGTERM');
      await new Promise((r) => svc.proc.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const post = async (url: string, body: object) => {
    const r = await fetch(`${svc.url}${url}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> & { code: string } };
  };
  /** Starts a session and waits (long-polls) until its server is up. */
  async function activeSession(body: object): Promise<string> {
    const { body: s } = await post('/v1/sessions', body);
    let state = s.state;
    while (state === 'pending')
      state = ((await (await fetch(`${svc.url}/v1/sessions/${s.code}?wait=20`)).json()) as { state: string }).state;
    expect(state).toBe('active');
    return s.code;
  }
  const listed = async (query = '') =>
    ((await (await fetch(`${svc.url}/v1/lobbies${query}`)).json()) as { items: { code: string }[] }).items.map(
      (i) => i.code,
    );

  it('a private session is never listed; a full one is never listed and never given by quick join', async () => {
    const priv = await activeSession({ max_players: 4 });
    const pub = await activeSession({ public: true, mode: 'duel', max_players: 2, attributes: { map: 'harbour' } });
    expect(await listed()).toEqual([pub]);
    expect(await listed('?mode=duel&attr.map=harbour')).toEqual([pub]);
    // The client SDK's lobbies() asks the same.
    const client = new SessionsClient({ url: svc.url });
    const page = await client.lobbies({ mode: 'duel', attributes: { map: 'harbour' } });
    expect(page).toEqual({ items: [expect.objectContaining({ code: pub, free_seats: 2 })], next_cursor: null });
    expect((await client.lobbies({ attributes: { map: 'dunes' } })).items).toEqual([]);
    expect(await listed()).not.toContain(priv);
    expect((await post(`/v1/sessions/${pub}/join`, { player_id: 'a' })).status).toBe(200);
    expect(await listed('?mode=duel')).toEqual([pub]);
    expect((await post(`/v1/sessions/${pub}/join`, { player_id: 'b' })).status).toBe(200);
    expect(await listed()).toEqual([]);
    // No server left (MAX_SERVERS=2): a new session, pending, its seat without a token yet.
    const qj = await client.quickJoin({ mode: 'duel', playerId: 'c', maxPlayers: 2, wait: false });
    expect(qj).toMatchObject({ state: 'pending', seat: { player_id: 'c', token: null } });
    expect(qj.code).not.toBe(pub);
    expect(qj.code).not.toBe(priv);
  });

  it('50 concurrent quick joins for max_players 4 fill 13 sessions (12 full, 1 with 2), not 50', async () => {
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => post('/v1/quick-join', { mode: 'br', player_id: `p${i}`, max_players: 4 })),
    );
    expect(answers.filter((a) => a.status !== 202 && a.status !== 200)).toEqual([]);
    const perSession = new Map<string, number>();
    for (const a of answers) perSession.set(a.body.code, (perSession.get(a.body.code) ?? 0) + 1);
    expect([...perSession.values()].sort((x, y) => y - x)).toEqual([...Array(12).fill(4), 2]);
    // The 51st goes to the one with room, not a full one nor a new one.
    const next = await post('/v1/quick-join', { mode: 'br', player_id: 'p50', max_players: 4 });
    expect(perSession.get(next.body.code)).toBe(2);
  });
});
