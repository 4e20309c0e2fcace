import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { freePort, pidsWithEnv, startService, waitFor, type RunningService } from '../helpers/processes.js';

/**
 * The foundation's acceptance, with real processes: the orchestrator (`serve`), the sample game
 * server under the local provider, and a WebSocket player.
 */
describe('e2e: a session on a real local game server', () => {
  let dir: string;
  let svc: RunningService | null = null;
  let gamePort: number;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'orch-e2e-'));
    gamePort = await freePort();
    env = {
      DB_PATH: path.join(dir, 'orchestrator.db'),
      LOCAL_GAME_PORT: String(gamePort),
      LOCAL_HEARTBEAT_INTERVAL_MS: '300',
      LOCAL_EMPTY_SHUTDOWN_MS: '400',
      LOCAL_STOP_GRACE_MS: '2000',
      START_TIMEOUT_S: '20',
      RECONCILE_INTERVAL_S: '1',
      LOG_LEVEL: 'info',
    };
  });
  afterAll(async () => {
    if (svc && svc.proc.exitCode === null) svc.proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const row = (sql: string, ...args: unknown[]) => {
    const db = new Database(env.DB_PATH, { readonly: true, fileMustExist: true });
    try {
      return db.prepare(sql).get(...args) as Record<string, unknown> | undefined;
    } finally {
      db.close();
    }
  };

  it('start → a listening game server → a player → join → the server ends itself and its process is gone', async () => {
    svc = await startService(['serve'], env);
    const start = await fetch(`${svc.url}/sessions/start`, { method: 'POST' });
    expect(start.status).toBe(200);
    const body = (await start.json()) as Record<string, string>;
    // A new server had to be made: the original's reply has no message.
    expect(Object.keys(body)).toEqual(['ip_address', 'share_tag']);
    expect(body.ip_address).toMatch(/^127\.\d+\.\d+\.\d+$/);
    const server = row('SELECT id, state FROM servers WHERE ip = ?', body.ip_address)!;
    expect(server.state).toBe('allocated');
    expect(pidsWithEnv('SERVER_ID', String(server.id)).length).toBeGreaterThan(0);

    const player = new WebSocket(`ws://${body.ip_address}:${gamePort}`);
    await new Promise((resolve, reject) => player.once('open', resolve).once('error', reject));
    await waitFor(
      'a heartbeat reporting 1 player',
      () => row('SELECT players FROM servers WHERE id = ?', server.id)?.players === 1,
    );

    const join = await fetch(`${svc.url}/sessions/join?game_tag=${body.share_tag!.toLowerCase()}`, { method: 'POST' });
    expect(join.status).toBe(200);
    expect(await join.json()).toEqual({ ip_address: body.ip_address });

    player.close();
    await waitFor(
      'the server row deleted',
      () => row('SELECT state FROM servers WHERE id = ?', server.id)?.state === 'deleted',
    );
    await waitFor('the game server process gone', () => pidsWithEnv('SERVER_ID', String(server.id)).length === 0);
    const refused = await new Promise<boolean>((resolve) => {
      const s = connect(gamePort, body.ip_address, () => resolve(false)).once('error', () => resolve(true));
      s.setTimeout(1000, () => resolve(false));
    });
    expect(refused).toBe(true);
    const session = row('SELECT state, end_reason FROM sessions WHERE code = ?', body.share_tag);
    expect(session).toEqual({ state: 'ended', end_reason: 'server_ended' });
    const gone = await fetch(`${svc.url}/sessions/join?game_tag=${body.share_tag}`, { method: 'POST' });
    expect(gone.status).toBe(404);
  });

  it('SIGTERM stops gracefully and leaves no game server running', async () => {
    svc ??= await startService(['serve'], env);
    const start = await fetch(`${svc.url}/sessions/start`, { method: 'POST' });
    expect(start.status).toBe(200);
    const { ip_address } = (await start.json()) as Record<string, string>;
    const server = row('SELECT id FROM servers WHERE ip = ? AND state = ?', ip_address, 'allocated')!;
    expect(pidsWithEnv('SERVER_ID', String(server.id)).length).toBeGreaterThan(0);
    svc.proc.kill('SIGTERM');
    expect(await svc.exited).toBe(0);
    expect(pidsWithEnv('SERVER_ID', String(server.id))).toEqual([]);
  });

  it('SIGKILL of the orchestrator leaves no game server running; the restart ends the lost session', async () => {
    svc = await startService(['serve'], env);
    const start = await fetch(`${svc.url}/sessions/start`, { method: 'POST' });
    const { ip_address, share_tag } = (await start.json()) as Record<string, string>;
    const server = row('SELECT id FROM servers WHERE ip = ? AND state = ?', ip_address, 'allocated')!;
    svc.proc.kill('SIGKILL');
    await svc.exited;
    await waitFor(
      'the orphaned game server to stop',
      () => pidsWithEnv('SERVER_ID', String(server.id)).length === 0,
      10_000,
    );
    svc = await startService(['serve'], env);
    await waitFor(
      'the lost server marked deleted',
      () => row('SELECT state FROM servers WHERE id = ?', server.id)?.state === 'deleted',
    );
    expect(row('SELECT state FROM sessions WHERE code = ?', share_tag)?.state).toBe('ended');
    svc.proc.kill('SIGTERM');
    expect(await svc.exited).toBe(0);
  });
});
