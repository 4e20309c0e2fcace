import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator.js';
import { FakeClock } from '../../src/util/clock.js';
import { dialectEnv, DIALECTS } from '../helpers/databases.js';
import { heartbeat, testOrchestrator } from '../helpers/orchestrator.js';

let orch: Orchestrator | undefined;
let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await orch?.close();
  await cleanup?.();
  orch = undefined;
  cleanup = undefined;
});

for (const dialect of DIALECTS) {
  describe(`JOIN_FAIL_LIMIT_PER_MIN's level per lookup (${dialect})`, () => {
    it('SQLite reads an address’s failed-lookup level from the store once, then keeps it as written; the limit holds and drains as before', async () => {
      const d = await dialectEnv(dialect);
      cleanup = d.cleanup;
      const clock = new FakeClock(Date.now());
      orch = await testOrchestrator({ ...d.env, JOIN_FAIL_LIMIT_PER_MIN: '3' }, { clock });
      const o = orch;
      expect((await heartbeat(o.app, '198.51.100.90', 0)).statusCode).toBe(200);
      const code = (await o.app.inject({ method: 'POST', url: '/sessions/start' })).json().share_tag as string;
      const reads = vi.spyOn(o.store, 'leakLevel');
      const join = (tag: string) =>
        o.app.inject({ method: 'POST', url: `/sessions/join?game_tag=${tag}`, remoteAddress: '203.0.113.5' });
      const look = (tag: string) =>
        o.app.inject({ method: 'GET', url: `/v1/sessions/${tag}`, remoteAddress: '203.0.113.5' });
      for (let i = 0; i < 5; i++) expect((await join(code)).statusCode).toBe(200);
      expect((await look(code)).statusCode).toBe(200);
      expect((await join('QQQQQA')).statusCode).toBe(404);
      expect((await look('QQQQQB')).statusCode).toBe(404);
      expect((await join('QQQQQC')).statusCode).toBe(404);
      // Three failures: the next lookup is refused, a correct code too, by either API.
      expect((await join(code)).statusCode).toBe(429);
      expect((await look(code)).statusCode).toBe(429);
      // 3 a minute: the failures drain in a minute.
      clock.advance(60_000);
      expect((await look(code)).statusCode).toBe(200);
      expect((await join(code)).statusCode).toBe(200);
      if (dialect === 'sqlite') expect(reads).toHaveBeenCalledTimes(1);
      else expect(reads.mock.calls.length).toBeGreaterThan(1);
    });
  });
}
