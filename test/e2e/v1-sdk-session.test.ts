import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { NotFoundError, SessionsClient } from '../../packages/client/client.mjs';
import { freePort, pidsWithEnv, REPO_ROOT, startService, waitFor, type RunningService } from '../helpers/processes.js';

/**
 * The client SDK against a real orchestrator (`serve`, local provider), whose game server is
 * the sample speaking the /v1 game-server routes through the server SDK: start, wait until
 * active, join, a WebSocket player, and the end.
 */
describe('e2e: the SDKs on /v1 with a real local game server', () => {
  let dir: string;
  let svc: RunningService | null = null;
  let gamePort: number;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'orch-v1-e2e-'));
    gamePort = await freePort();
    const sample = path.join(REPO_ROOT, 'examples/game-server/server.mjs');
    svc = await startService(['serve'], {
      DB_PATH: path.join(dir, 'orchestrator.db'),
      // The sample, told to use the /v1 routes (its SERVER_ID and SERVER_CREDENTIAL come from the provider).
      GAME_SERVER_COMMAND: `env ORCHESTRATOR_API=v1 ${process.execPath} ${sample}`,
      LOCAL_GAME_PORT: String(gamePort),
      LOCAL_HEARTBEAT_INTERVAL_MS: '300',
      LOCAL_EMPTY_SHUTDOWN_MS: '400',
      LOCAL_STOP_GRACE_MS: '2000',
      START_TIMEOUT_S: '20',
      RECONCILE_INTERVAL_S: '1',
      LOG_LEVEL: 'info',
    });
  });
  afterAll(async () => {
    if (svc && svc.proc.exitCode === null) svc.proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('start → wait until active → join → a WebSocket player → the server ends the session', async () => {
    const client = new SessionsClient({ url: svc!.url, retryBaseMs: 100 });
    const started = await client.start({ maxPlayers: 2, metadata: { mode: 'e2e' } });
    expect(started.state).toBe('pending'); // no warm pool: a server has to boot
    const active = await client.waitUntilActive(started.code, { timeoutMs: 20_000, pollS: 5 });
    expect(active).toMatchObject({ code: started.code, state: 'active', max_players: 2, metadata: { mode: 'e2e' } });
    expect(active.address).toMatch(/^127\.\d+\.\d+\.\d+$/);

    const joined = await client.join(started.code.toLowerCase());
    expect(joined.address).toBe(active.address);

    const player = new WebSocket(`ws://${joined.address}:${gamePort}`);
    const welcome = new Promise<{ type: string }>((resolve) =>
      player.once('message', (d) => resolve(JSON.parse(d.toString()))),
    );
    await new Promise((resolve, reject) => player.once('open', resolve).once('error', reject));
    expect((await welcome).type).toBe('welcome');
    await waitFor('a v1 heartbeat reporting 1 player', async () => (await client.get(started.code)).players === 1);
    // The game server spoke the /v1 routes with its own id.
    expect(svc!.output()).toMatch(/\/v1\/servers\/[0-9a-f-]{36}\/heartbeat/);

    player.close();
    await waitFor('the session ended by its server', async () => (await client.get(started.code)).state === 'ended');
    expect((await client.get(started.code)).end_reason).toBe('server_ended');
    await expect(client.join(started.code)).rejects.toBeInstanceOf(NotFoundError);
    await waitFor('no game server process left', () => pidsWithEnv('ORCHESTRATOR_API', 'v1').length === 0);
  });
});
