import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createOrchestrator, type Orchestrator } from '../../src/orchestrator.js';
import { endServer, heartbeat, SILENT_GAME_SERVER, TEST_KEY } from '../helpers/orchestrator.js';

/*
 * Mixed traffic on an SQLite file through the real HTTP app for a bounded time, with the WAL
 * checkpoint worker made frantic (a RESTART, which holds the write lock, after every write):
 * no request may fail because of a checkpoint. A 4-minute soak answered 41 of 96,682 ends
 * with 500 "database is locked": a deferred BEGIN read, then wrote while the worker held the
 * lock, and SQLite does not wait (busy_timeout) to upgrade a read transaction.
 */
const SOAK_MS = 60_000;
const CLIENTS = 8;

let dir: string;
let orch: Orchestrator;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'soak-'));
  const config = loadConfig({
    DB_PATH: path.join(dir, 'o.db'),
    INTERNAL_HMAC_SECRET: TEST_KEY,
    LOG_LEVEL: 'silent',
    START_TIMEOUT_S: '1',
    START_POLL_MS: '10',
    START_RATE_LIMIT_PER_MIN: '0',
    JOIN_FAIL_LIMIT_PER_MIN: '0',
    MAX_SERVERS: '0',
    GAME_SERVER_COMMAND: SILENT_GAME_SERVER,
  });
  const db = {
    defaultRegion: config.db.defaultRegion,
    kind: 'sqlite' as const,
    path: path.join(dir, 'o.db'),
    walCheckpoint: { intervalMs: 1, restartPages: 1 },
  };
  orch = await createOrchestrator({ ...config, db }, { reconcile: false, logger: pino({ level: 'silent' }) });
});
afterAll(async () => {
  await orch?.close();
  rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
});

/** One client's loop: a heartbeat (its server joins the pool), a start, 3 joins, a heartbeat, an end. */
async function client(n: number, until: number, statuses: Map<string, number[]>): Promise<void> {
  const ip = `198.51.100.${n + 1}`;
  const note = (what: string, status: number) => {
    if (!statuses.has(what)) statuses.set(what, []);
    statuses.get(what)!.push(status);
  };
  while (Date.now() < until) {
    note('heartbeat', (await heartbeat(orch.app, ip, 0)).statusCode);
    const start = await orch.app.inject({ method: 'POST', url: '/sessions/start' });
    note('start', start.statusCode);
    const code = start.statusCode === 200 ? start.json<{ share_tag: string }>().share_tag : 'ZZZZZZ';
    for (let j = 0; j < 3; j++)
      note('join', (await orch.app.inject({ method: 'POST', url: `/sessions/join?game_tag=${code}` })).statusCode);
    note('heartbeat', (await heartbeat(orch.app, ip, 1)).statusCode);
    note('end', (await endServer(orch.app, ip)).statusCode);
  }
}

describe('soak: mixed traffic on SQLite while the WAL is checkpointed', () => {
  it(
    `${CLIENTS} clients for ${SOAK_MS / 1000} s: no request fails (no 500; 503 only for a start that found no server)`,
    async () => {
      const statuses = new Map<string, number[]>();
      const until = Date.now() + SOAK_MS;
      await Promise.all(Array.from({ length: CLIENTS }, (_, n) => client(n, until, statuses)));
      // 500 is what a store failure answers. A start that finds no ready server within
      // START_TIMEOUT_S answers 503 with Retry-After, by design: the clients take each other's
      // servers, so some starts wait; that is a refusal, not a failure.
      const failed = [...statuses].map(([what, s]) => [what, s.filter((x) => x >= 500 && x !== 503).length] as const);
      expect(statuses.get('heartbeat')!.filter((s) => s === 503)).toEqual([]);
      expect(statuses.get('end')!.filter((s) => s === 503)).toEqual([]);
      const total = [...statuses.values()].reduce((n, s) => n + s.length, 0);
      // The loop did real work: starts were answered with servers, not refused.
      expect(statuses.get('start')!.filter((s) => s === 200).length).toBeGreaterThan(CLIENTS);
      expect(total).toBeGreaterThan(500);
      expect(Object.fromEntries(failed)).toEqual({ heartbeat: 0, start: 0, join: 0, end: 0 });
    },
    SOAK_MS + 60_000,
  );
});
