import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { testOrchestrator } from '../helpers/orchestrator.js';

const dir = mkdtempSync(path.join(tmpdir(), 'femquest-db-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the original's own femquest.db", () => {
  it('rows registered by heartbeat (droplet_id 0) become external servers whose codes still join after a reconcile pass', async () => {
    const file = path.join(dir, 'femquest.db');
    const old = new Database(file);
    old.exec(`CREATE TABLE game_droplets (ipv4 TEXT PRIMARY KEY, connected_clients INTEGER, fresh_game BOOLEAN,
      last_heartbeat TEXT, droplet_id INTEGER DEFAULT 0, share_tag TEXT UNIQUE)`);
    const now = new Date().toISOString();
    const insert = old.prepare('INSERT INTO game_droplets VALUES (?, ?, ?, ?, ?, ?)');
    insert.run('203.0.113.50', 2, 0, now, 0, '0a1b2c');
    insert.run('203.0.113.51', 1, 0, now, '0', 'deadbeef');
    insert.run('203.0.113.52', 3, 0, now, '', 'f00d01');
    // A droplet the original made on DigitalOcean, while this orchestrator runs the local provider.
    insert.run('203.0.113.53', 1, 0, now, 3164444, 'c0ffee');
    old.close();

    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
    const orch = await testOrchestrator({ DB_PATH: file, PROVIDER: 'local' }, { logger });
    try {
      const servers = await orch.store.listServers();
      expect(Object.fromEntries(servers.map((s) => [s.ip, [s.origin, s.providerId]]))).toEqual({
        '203.0.113.50': ['external', null],
        '203.0.113.51': ['external', null],
        '203.0.113.52': ['external', null],
        '203.0.113.53': ['digitalocean', '3164444'],
      });
      // Said once at start-up: the DigitalOcean row is left alone.
      expect(lines.filter((l) => String(l.msg).includes('made by another provider are left alone'))).toMatchObject([
        { count: 1, byOrigin: { digitalocean: 1 }, provider: 'local' },
      ]);
      const pass = await orch.reconciler.runPass();
      expect(pass.error).toBeNull();
      for (const [code, ip] of [
        ['0A1B2C', '203.0.113.50'],
        ['deadbeef', '203.0.113.51'],
        ['F00D01', '203.0.113.52'],
        ['c0ffee', '203.0.113.53'],
      ]) {
        const j = await orch.app.inject({ method: 'POST', url: `/sessions/join?game_tag=${code}` });
        expect(j.json(), code).toEqual({ ip_address: ip });
      }
      expect((await orch.store.listServers()).filter((s) => s.state === 'deleted')).toEqual([]);
    } finally {
      await orch.close();
    }
  });
});
