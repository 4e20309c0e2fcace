import { afterEach, describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator.js';
import { DIALECTS, dialectEnv } from '../helpers/databases.js';
import { heartbeat, testOrchestrator } from '../helpers/orchestrator.js';

let orch: Orchestrator | null = null;
let cleanup: () => Promise<void> = async () => {};
afterEach(async () => {
  await orch?.close();
  orch = null;
  await cleanup();
});

for (const dialect of DIALECTS) {
  describe(`concurrent starts (${dialect})`, () => {
    it('100 concurrent starts against 100 ready servers get 100 distinct servers and codes', async () => {
      const d = await dialectEnv(dialect);
      cleanup = d.cleanup;
      orch = await testOrchestrator(d.env);
      const app = orch.app;
      for (let i = 0; i < 100; i++) {
        const r = await heartbeat(app, `198.51.100.${i + 1}`, 0);
        expect(r.statusCode).toBe(200);
      }
      const replies = await Promise.all(
        Array.from({ length: 100 }, () => app.inject({ method: 'POST', url: '/sessions/start' })),
      );
      expect(replies.map((r) => r.statusCode)).toEqual(Array(100).fill(200));
      const bodies = replies.map((r) => r.json());
      expect(new Set(bodies.map((b) => b.ip_address)).size).toBe(100);
      expect(new Set(bodies.map((b) => b.share_tag)).size).toBe(100);
      expect(bodies.every((b) => b.message === 'Reusing existing droplet')).toBe(true);
      // Every code leads to the server it was handed out with.
      for (const b of bodies.slice(0, 20)) {
        const j = await app.inject({ method: 'POST', url: `/sessions/join?game_tag=${b.share_tag}` });
        expect(j.json()).toEqual({ ip_address: b.ip_address });
      }
    });

    it('101 concurrent starts against 100 ready servers: exactly one waits and gets a clear 503', async () => {
      const d = await dialectEnv(dialect);
      cleanup = d.cleanup;
      orch = await testOrchestrator({ ...d.env, MAX_SERVERS: '0' });
      for (let i = 0; i < 100; i++) await heartbeat(orch.app, `198.51.100.${i + 1}`, 0);
      const replies = await Promise.all(
        Array.from({ length: 101 }, () => orch!.app.inject({ method: 'POST', url: '/sessions/start' })),
      );
      const codes = replies.map((r) => r.statusCode).sort();
      expect(codes.filter((c) => c === 200)).toHaveLength(100);
      expect(codes.filter((c) => c === 503)).toHaveLength(1);
    });
  });
}
