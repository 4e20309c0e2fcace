import { afterAll, describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator.js';
import { GameServerAgent } from '../../packages/server/server.mjs';
import { testOrchestrator } from '../helpers/orchestrator.js';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres-server.js';
import { waitFor } from '../helpers/processes.js';
import { readyServer } from '../http/v1/v1-helpers.js';

/*
 * A game server's end sent while the orchestrator's PostgreSQL is down (a private one, stopped
 * with pg_ctl stop -m fast) is answered 503 with Retry-After; the server SDK tries it again, and
 * once the database is back the end lands. Without the retry the session would stay active and
 * its machine would run until the session idled out.
 */
let db: TestPostgres | null = null;
let orch: Orchestrator | null = null;

afterAll(async () => {
  await orch?.close();
  await db?.stop();
}, 60_000);

describe('server SDK through a database restart', () => {
  it('an end answered 503 while PostgreSQL is down is retried and lands once it is back', async () => {
    db = await startTestPostgres();
    orch = await testOrchestrator({ DATABASE_URL: db.url, PG_CONNECT_TIMEOUT_MS: '500', PG_QUERY_TIMEOUT_MS: '500' });
    const url = await orch.app.listen({ host: '127.0.0.1', port: 0 });
    const srv = await readyServer(orch, '198.51.100.60');
    const answers: number[] = [];
    const agent = new GameServerAgent({
      url,
      serverId: srv.id,
      key: srv.credential,
      fetch: async (input: string | URL | Request, init?: RequestInit) => {
        const res = await fetch(input, init);
        answers.push(res.status);
        return res;
      },
    });

    await db.halt();
    const ending = agent.end({ attempts: 100, baseDelayMs: 100, maxBackoffMs: 500 });
    await waitFor('two ends refused while the database is down', () => answers.length >= 2, 30_000);
    await db.restart();
    const ended = await ending;

    expect(ended.status).toBe(200);
    expect(answers.slice(0, 2)).toEqual([503, 503]);
    expect((await orch.store.getServer(srv.id))?.state).not.toBe('ready');
  }, 120_000);
});
