import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { loadConfig } from '../../src/config.js';
import { createOrchestrator, type Orchestrator, type OrchestratorOverrides } from '../../src/orchestrator.js';
import { signedHeaders } from './sign.js';

export const TEST_KEY = 'test-hmac-secret';

/** A command that runs like a game server but never heartbeats (so starts have to wait). */
export const SILENT_GAME_SERVER = `${process.execPath} -e setInterval(()=>{},1000)`;

/** An orchestrator on in-memory SQLite with fast timeouts; the reconcile loop off unless asked. */
export async function testOrchestrator(
  env: Record<string, string> = {},
  o: OrchestratorOverrides = {},
): Promise<Orchestrator> {
  const config = loadConfig({
    DB_PATH: ':memory:',
    INTERNAL_HMAC_SECRET: TEST_KEY,
    LOG_LEVEL: 'silent',
    START_TIMEOUT_S: '1',
    START_POLL_MS: '10',
    START_RATE_LIMIT_PER_MIN: '0',
    SESSIONS_PER_ADDRESS: '0',
    JOIN_FAIL_LIMIT_PER_MIN: '0',
    ADMIN_AUTH_FAIL_LIMIT_PER_MIN: '0',
    GAME_SERVER_COMMAND: SILENT_GAME_SERVER,
    LOCAL_STOP_GRACE_MS: '500',
    ...env,
  });
  return createOrchestrator(config, { reconcile: false, logger: pino({ level: 'silent' }), ...o });
}

/** A signed heartbeat, as a game server sends it. */
export function heartbeat(
  app: FastifyInstance,
  ip: string,
  players: number,
  key = TEST_KEY,
  extraHeaders: Record<string, string> = {},
) {
  const body = JSON.stringify({ droplet_ip: ip, connected_clients: players });
  return app.inject({
    method: 'POST',
    url: '/server/heartbeat',
    headers: {
      'content-type': 'application/json',
      ...signedHeaders(key, 'POST', '/server/heartbeat', body),
      ...extraHeaders,
    },
    payload: body,
  });
}

/** A signed end, as a game server sends it. */
export function endServer(app: FastifyInstance, ip: string, path = '/server/end', key = TEST_KEY) {
  const url = `${path}?droplet_ip=${encodeURIComponent(ip)}`;
  return app.inject({ method: 'POST', url, headers: signedHeaders(key, 'POST', url) });
}
