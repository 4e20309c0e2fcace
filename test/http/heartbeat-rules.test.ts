import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator.js';
import { freshPgSchema } from '../helpers/databases.js';
import { TEST_KEY, testOrchestrator } from '../helpers/orchestrator.js';
import { signedHeaders } from '../helpers/sign.js';

/**
 * The rules a heartbeat keeps whatever makes it fast (issue 12): a replayed signature is
 * refused by every replica sharing the database and by a restarted service inside the skew
 * window; the health and player count a heartbeat reports are what the reconciler's listing
 * and the join path see right after it is answered (well within one heartbeat period).
 * Real databases: an SQLite file shared by two service instances, and PostgreSQL.
 */
const HB = '/server/heartbeat';
const body = (ip: string, players: number) => JSON.stringify({ droplet_ip: ip, connected_clients: players });

function send(o: Orchestrator, headers: Record<string, string>, payload: string) {
  return o.app.inject({
    method: 'POST',
    url: HB,
    headers: { 'content-type': 'application/json', ...headers },
    payload,
  });
}

type Backend = { name: string; env(): Promise<{ env: Record<string, string>; cleanup(): Promise<void> }> };
const BACKENDS: Backend[] = [
  {
    name: 'SQLite file',
    env: async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'hb-rules-'));
      return {
        env: { DB_PATH: path.join(dir, 'o.db') },
        cleanup: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'PostgreSQL',
    env: async () => {
      const s = await freshPgSchema();
      return { env: { DATABASE_URL: s.url }, cleanup: s.drop };
    },
  },
];

for (const backend of BACKENDS) {
  describe(`heartbeat rules (${backend.name})`, () => {
    let env: Record<string, string>;
    let cleanup: () => Promise<void>;
    const open: Orchestrator[] = [];
    const instance = async () => {
      const o = await testOrchestrator({ ...env, HEARTBEAT_PERIOD_S: '30' });
      open.push(o);
      return o;
    };
    beforeEach(async () => {
      ({ env, cleanup } = await backend.env());
    });
    afterEach(async () => {
      for (const o of open.splice(0)) await o.close();
      await cleanup();
    });

    it('a signature accepted by one instance is refused as a replay by another on the same database', async () => {
      const a = await instance();
      const b = await instance();
      const payload = body('203.0.113.20', 1);
      const h = signedHeaders(TEST_KEY, 'POST', HB, payload);
      expect((await send(a, h, payload)).statusCode).toBe(200);
      const replay = await send(b, h, payload);
      expect(replay.statusCode).toBe(401);
      expect(replay.json()).toEqual({ detail: 'Invalid HMAC signature.' });
      // A fresh signature for the same report is fine on either.
      expect(
        (await send(b, signedHeaders(TEST_KEY, 'POST', HB, body('203.0.113.20', 2)), body('203.0.113.20', 2)))
          .statusCode,
      ).toBe(200);
    });

    it('a signature accepted before a restart is refused after it, inside the skew window', async () => {
      const first = await instance();
      const payload = body('203.0.113.21', 0);
      const h = signedHeaders(TEST_KEY, 'POST', HB, payload);
      expect((await send(first, h, payload)).statusCode).toBe(200);
      await open.splice(0, 1)[0]!.close();
      const restarted = await instance();
      expect((await send(restarted, h, payload)).statusCode).toBe(401);
    });

    it('the same signed heartbeat sent twice at once: one is recorded, the other refused, on two instances', async () => {
      // The original route spends its signature inside the heartbeat's own transaction: the
      // replay check and the report commit together, so twins cannot both pass.
      const a = await instance();
      const b = await instance();
      const ip = '203.0.113.23';
      expect((await send(a, signedHeaders(TEST_KEY, 'POST', HB, body(ip, 0)), body(ip, 0))).statusCode).toBe(200);
      const payload = body(ip, 4);
      const h = signedHeaders(TEST_KEY, 'POST', HB, payload);
      const answers = await Promise.all([send(a, h, payload), send(b, h, payload), send(a, h, payload)]);
      expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 401, 401]);
      const server = (await b.store.listServers()).find((s) => s.ip === ip)!;
      expect(server.players).toBe(4);
    });

    it('a signed heartbeat whose body is refused still spends its signature: the same request again is a 401', async () => {
      const a = await instance();
      const payload = JSON.stringify({ droplet_ip: 'not an address', connected_clients: 1 });
      const h = signedHeaders(TEST_KEY, 'POST', HB, payload);
      expect((await send(a, h, payload)).statusCode).toBe(422);
      const again = await send(a, h, payload);
      expect(again.statusCode).toBe(401);
      expect(again.json()).toEqual({ detail: 'Invalid HMAC signature.' });
    });

    it('health and players reported by a heartbeat are what the listing and the join path see once it is answered', async () => {
      const a = await instance();
      const b = await instance();
      const ip = '203.0.113.22';
      expect((await send(a, signedHeaders(TEST_KEY, 'POST', HB, body(ip, 0)), body(ip, 0))).statusCode).toBe(200);
      const start = await b.app.inject({ method: 'POST', url: '/sessions/start' });
      expect(start.statusCode).toBe(200);
      const code = start.json().share_tag as string;
      const before = (await b.store.listServers(['allocated'])).find((s) => s.ip === ip)!;
      // The next report, answered by instance a: instance b's reconciler listing sees it at once.
      await new Promise((r) => setTimeout(r, 5));
      expect((await send(a, signedHeaders(TEST_KEY, 'POST', HB, body(ip, 7)), body(ip, 7))).statusCode).toBe(200);
      const seen = (await b.store.listServers(['allocated'])).find((s) => s.ip === ip)!;
      expect(seen.players).toBe(7);
      expect(seen.lastHeartbeatAtMs!).toBeGreaterThan(before.lastHeartbeatAtMs!);
      const session = await b.store.findLiveSessionByCode(code);
      expect(session?.lastPlayedAtMs).toBeGreaterThanOrEqual(seen.lastHeartbeatAtMs!);
      const join = await b.app.inject({ method: 'POST', url: `/sessions/join?game_tag=${code}` });
      expect(join.statusCode).toBe(200);
      expect(join.json().ip_address).toBe(ip);
    });
  });
}
