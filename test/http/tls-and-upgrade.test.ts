import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heartbeat, testOrchestrator } from '../helpers/orchestrator.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'orch-tls-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('HTTPS', () => {
  it('serves HTTPS when SSL_CERTFILE and SSL_KEYFILE are set', async () => {
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    const orch = await testOrchestrator({ SSL_CERTFILE: cert, SSL_KEYFILE: key });
    try {
      await orch.app.listen({ host: '127.0.0.1', port: 0 });
      const { port } = orch.app.server.address() as { port: number };
      const body = await new Promise<string>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port, path: '/', method: 'GET', ca: execFileSync('cat', [cert]) },
          (res) => {
            let data = '';
            res.on('data', (d) => (data += d));
            res.on('end', () => resolve(data));
          },
        );
        req.on('error', reject);
        req.end();
      });
      expect(JSON.parse(body)).toEqual({ status: 'ok', service: 'orchestrator' });
    } finally {
      await orch.close();
    }
  });

  it('ENFORCE_HTTPS redirects plain HTTP with 307', async () => {
    const orch = await testOrchestrator({ ENFORCE_HTTPS: 'true' });
    try {
      const r = await orch.app.inject({
        method: 'POST',
        url: '/sessions/join?game_tag=X',
        headers: { host: 'orch.example' },
      });
      expect(r.statusCode).toBe(307);
      expect(r.headers.location).toBe('https://orch.example/sessions/join?game_tag=X');
    } finally {
      await orch.close();
    }
  });
});

describe('upgrading from the original service', () => {
  it('DB_PATH pointed at femquest.db keeps its servers and share codes', async () => {
    const file = path.join(dir, 'femquest.db');
    const old = new Database(file);
    old.exec(`CREATE TABLE game_droplets (ipv4 TEXT PRIMARY KEY, connected_clients INTEGER, fresh_game BOOLEAN,
      last_heartbeat TEXT, droplet_id INTEGER, share_tag TEXT UNIQUE)`);
    old
      .prepare('INSERT INTO game_droplets VALUES (?, ?, ?, ?, ?, ?)')
      .run('203.0.113.40', 2, 0, new Date().toISOString(), 3164444, 'ab12cd');
    old
      .prepare('INSERT INTO game_droplets VALUES (?, ?, ?, ?, ?, ?)')
      .run('203.0.113.41', 0, 1, new Date().toISOString(), null, null);
    old.close();
    const orch = await testOrchestrator({ DB_PATH: file });
    try {
      const j = await orch.app.inject({ method: 'POST', url: '/sessions/join?game_tag=AB12CD' });
      expect(j.statusCode).toBe(200);
      expect(j.json()).toEqual({ ip_address: '203.0.113.40' });
      // The idle imported server (no share tag) is in the pool: a start reuses it.
      const s = await orch.app.inject({ method: 'POST', url: '/sessions/start' });
      expect(s.json()).toMatchObject({ message: 'Reusing existing droplet', ip_address: '203.0.113.41' });
      // Its game servers keep heartbeating with the shared key as before.
      expect((await heartbeat(orch.app, '203.0.113.40', 1)).statusCode).toBe(200);
    } finally {
      await orch.close();
    }
    const again = new Database(file, { readonly: true });
    expect((again.prepare('SELECT COUNT(*) AS n FROM game_droplets').get() as { n: number }).n).toBe(2);
    again.close();
  });
});

describe('behind a proxy', () => {
  it('TRUST_PROXY takes the client address from X-Forwarded-For for rate limits', async () => {
    const orch = await testOrchestrator({ TRUST_PROXY: 'true', JOIN_FAIL_LIMIT_PER_MIN: '2' });
    try {
      const join = (ip: string) =>
        orch.app.inject({ method: 'POST', url: '/sessions/join?game_tag=NOPE22', headers: { 'x-forwarded-for': ip } });
      expect((await join('192.0.2.1')).statusCode).toBe(404);
      expect((await join('192.0.2.1')).statusCode).toBe(404);
      expect((await join('192.0.2.1')).statusCode).toBe(429);
      // Another client behind the same proxy is not affected.
      expect((await join('192.0.2.2')).statusCode).toBe(404);
    } finally {
      await orch.close();
    }
  });
});
