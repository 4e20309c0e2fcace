import { afterEach, describe, expect, it } from 'vitest';
import { ServerState } from '../../src/domain/server.js';
import type { Orchestrator } from '../../src/orchestrator.js';
import { dialectEnv, DIALECTS } from '../helpers/databases.js';
import { heartbeat, testOrchestrator } from '../helpers/orchestrator.js';

/**
 * Issue 21 item 1, the fair queue: no client gets a second server while another client waits
 * for its first. Before, a server that became ready went to the oldest waiting session, so a
 * client that queued many starts first took every new server. The fleet is external servers
 * (registered by signed heartbeats), so the test needs no machines.
 */
const A = '198.51.100.10';
const B = '198.51.100.20';
let orchs: Orchestrator[] = [];
let cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const o of orchs) await o.close();
  for (const c of cleanups) await c();
  orchs = [];
  cleanups = [];
});

function start(o: Orchestrator, remoteAddress: string) {
  return o.app.inject({ method: 'POST', url: '/v1/sessions', remoteAddress, payload: {} });
}

async function serverOf(o: Orchestrator, code: string): Promise<string | null> {
  const r = await o.app.inject({ method: 'GET', url: `/v1/sessions/${code}` });
  return r.json<{ address: string | null }>().address;
}

for (const dialect of DIALECTS) {
  describe(`fair queue (${dialect})`, () => {
    /** The database's env of the last orchestrator made (a second replica shares it). */
    let dbEnv: Record<string, string> = {};
    async function orchestrator(env: Record<string, string> = {}, shared = false): Promise<Orchestrator> {
      if (!shared) {
        const d = await dialectEnv(dialect);
        cleanups.push(d.cleanup);
        dbEnv = d.env;
      }
      const o = await testOrchestrator({ MAX_SERVERS: '0', SESSIONS_PER_ADDRESS: '3', ...dbEnv, ...env });
      orchs.push(o);
      return o;
    }

    it('a new server goes to the client waiting for its first, not to an earlier client waiting for its second', async () => {
      const o = await orchestrator();
      expect((await heartbeat(o.app, '192.0.2.1', 0)).statusCode).toBe(200);
      const a1 = await start(o, A);
      expect(a1.statusCode).toBe(201);
      // A queues two more before B asks for its first.
      const a2 = await start(o, A);
      const a3 = await start(o, A);
      const b1 = await start(o, B);
      for (const r of [a2, a3, b1]) expect(r.statusCode).toBe(202);
      // A new server appears: B, waiting for its first, gets it (first come would give it to a2).
      expect((await heartbeat(o.app, '192.0.2.2', 0)).statusCode).toBe(200);
      const code = (r: { json(): unknown }) => (r.json() as { code: string }).code;
      expect(await serverOf(o, code(b1))).toBe('192.0.2.2');
      expect(await serverOf(o, code(a2))).toBeNull();
      // The next goes to A's oldest waiting session.
      expect((await heartbeat(o.app, '192.0.2.3', 0)).statusCode).toBe(200);
      expect(await serverOf(o, code(a2))).toBe('192.0.2.3');
      expect(await serverOf(o, code(a3))).toBeNull();
    });

    it('a client holding a server does not take a ready one from a client waiting for its first', async () => {
      const o = await orchestrator();
      expect((await heartbeat(o.app, '192.0.2.1', 0)).statusCode).toBe(200);
      expect((await start(o, A)).statusCode).toBe(201);
      const b1 = await start(o, B);
      expect(b1.statusCode).toBe(202);
      // A server ready while B waits (as between a heartbeat and the offer, or on another
      // replica): A's second start must not take it ahead of B.
      await o.store.transaction(async (tx) => {
        await tx.insertServer({
          ...(await tx.findActiveServerByIp('192.0.2.1'))!,
          id: 'ready-while-b-waits',
          ip: '192.0.2.9',
          state: ServerState.Ready,
          players: 0,
        });
      });
      const a2 = await start(o, A);
      expect(a2.statusCode).toBe(202);
      expect(await serverOf(o, b1.json<{ code: string }>().code)).toBe('192.0.2.9');
    });

    if (dialect === 'postgres') {
      it('two replicas racing never let one address past its cap', async () => {
        const first = await orchestrator({ SESSIONS_PER_ADDRESS: '2' });
        const second = await orchestrator({ SESSIONS_PER_ADDRESS: '2' }, true);
        for (let round = 0; round < 5; round++) {
          const answers = await Promise.all(
            Array.from({ length: 40 }, (_, i) => start(i % 2 ? first : second, `203.0.113.${round}`)),
          );
          expect(answers.filter((r) => r.statusCode === 202)).toHaveLength(2);
          expect(answers.filter((r) => r.statusCode === 429)).toHaveLength(38);
        }
      }, 60_000);
    }
  });
}
