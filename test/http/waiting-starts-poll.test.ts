import { afterEach, describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator.js';
import { DIALECTS, dialectEnv } from '../helpers/databases.js';
import { testOrchestrator } from '../helpers/orchestrator.js';

let orch: Orchestrator | null = null;
let cleanup: () => Promise<void> = async () => {};
afterEach(async () => {
  await orch?.close();
  orch = null;
  await cleanup();
});

const WAITERS = 50;

/**
 * Waiting starts of one process share one poll of the database (sessions/start-poller.ts):
 * 300 starts that each read their session and tried a claim every START_POLL_MS kept the
 * PostgreSQL pool saturated, and the work that would answer them queued behind their reads.
 */
for (const dialect of DIALECTS) {
  describe(`waiting starts (${dialect})`, () => {
    it(`${WAITERS} starts waiting at MAX_SERVERS read their sessions in one poll, not one each`, async () => {
      const d = await dialectEnv(dialect);
      cleanup = d.cleanup;
      orch = await testOrchestrator({ ...d.env, MAX_SERVERS: '0', START_TIMEOUT_S: '2', START_POLL_MS: '20' });
      // Counting calls on the real store (every statement still runs).
      const store = orch.store;
      const calls = { getSession: 0, sessionStates: 0 };
      for (const name of Object.keys(calls) as (keyof typeof calls)[]) {
        const real = store[name].bind(store) as (...args: unknown[]) => unknown;
        (store as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
          calls[name]++;
          return real(...args);
        };
      }
      const replies = await Promise.all(
        Array.from({ length: WAITERS }, () => orch!.app.inject({ method: 'POST', url: '/sessions/start' })),
      );
      // Nothing could be made: each waited its START_TIMEOUT_S and was refused with Retry-After.
      expect(replies.map((r) => r.statusCode)).toEqual(Array(WAITERS).fill(503));
      // Each read its own session only when it began to wait, when woken, and at its deadline:
      // ~100 polls of 2 s at 20 ms would be ~5,000 reads if each start polled for itself ...
      expect(calls.getSession).toBeLessThanOrEqual(WAITERS * 3);
      // ... and the process polled them together (at least once).
      expect(calls.sessionStates).toBeGreaterThan(0);
    });
  });
}
