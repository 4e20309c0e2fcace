import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runMigrateDataCli } from '../../src/migrate-data-cli.js';
import type { Orchestrator } from '../../src/orchestrator.js';
import { migrateData, MigrateDataError } from '../../src/store/migrate-data.js';
import { openDatabase } from '../../src/store/open-database.js';
import { freshPgSchema, testDatabaseUrl } from '../helpers/databases.js';
import { heartbeat, TEST_KEY, testOrchestrator } from '../helpers/orchestrator.js';
import { signedHeaders } from '../helpers/sign.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'migrate-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function started(env: Record<string, string>): Promise<Orchestrator> {
  const orch = await testOrchestrator(env);
  cleanups.push(() => orch.close());
  return orch;
}

async function pgSchema(): Promise<string> {
  const s = await freshPgSchema();
  cleanups.push(s.drop);
  return s.url;
}

async function pgRows<T>(url: string, text: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text)).rows as T[];
  } finally {
    await c.end();
  }
}

/**
 * An SQLite installation that has served traffic: 6 servers joined the pool by heartbeat (the last one by the signed request kept for the replay check), 3
 * sessions started (one with an Idempotency-Key), one ended, one expired idempotency key, and
 * a heartbeat whose signature is in the replay cache.
 */
async function populatedSqlite(file: string) {
  const orch = await testOrchestrator({ DB_PATH: file });
  try {
    const app = orch.app;
    for (let i = 1; i <= 5; i++) expect((await heartbeat(app, `198.51.100.${i}`, 0)).statusCode).toBe(200);
    const keyed = await app.inject({
      method: 'POST',
      url: '/sessions/start',
      headers: { 'idempotency-key': 'launch-42' },
    });
    expect(keyed.statusCode).toBe(200);
    const plain = await app.inject({ method: 'POST', url: '/sessions/start' });
    const ending = await app.inject({ method: 'POST', url: '/sessions/start' });
    expect(ending.statusCode).toBe(200);
    expect((await heartbeat(app, ending.json().ip_address, 1)).statusCode).toBe(200);
    const endUrl = `/server/end?droplet_ip=${encodeURIComponent(ending.json().ip_address)}`;
    expect(
      (await app.inject({ method: 'POST', url: endUrl, headers: signedHeaders(TEST_KEY, 'POST', endUrl) })).statusCode,
    ).toBe(200);
    // A signed heartbeat the old service accepted: replaying it after the move must still fail.
    const body = JSON.stringify({ droplet_ip: '198.51.100.9', connected_clients: 0 });
    const signed = {
      'content-type': 'application/json',
      ...signedHeaders(TEST_KEY, 'POST', '/server/heartbeat', body),
    };
    expect(
      (await app.inject({ method: 'POST', url: '/server/heartbeat', headers: signed, payload: body })).statusCode,
    ).toBe(200);
    // A public /v1 session with lobby attributes and one player's seat: after the move it is
    // still listed by its attributes, the player keeps the place, and the seat still counts.
    const lobby = await app.inject({
      method: 'POST',
      url: '/v1/sessions',
      payload: { public: true, mode: 'duel', max_players: 2, attributes: { map: 'harbour' } },
    });
    expect(lobby.statusCode).toBe(201);
    const seated = await app.inject({
      method: 'POST',
      url: `/v1/sessions/${lobby.json().code}/join`,
      payload: { player_id: 'alice' },
    });
    expect(seated.statusCode).toBe(200);
    const secret = await orch.store.getMeta('credential_secret');
    return {
      lobby: lobby.json().code as string,
      keyed: keyed.json(),
      plain: plain.json(),
      ended: ending.json(),
      replay: { headers: signed, body },
      secret,
    };
  } finally {
    await orch.close();
  }
}

async function addExpiredIdempotencyKey(file: string): Promise<void> {
  const { db } = openDatabase({ kind: 'sqlite', path: file });
  await db
    .insertInto('idempotency_keys')
    .values({ key: 'old-key', session_id: 'gone', created_at: 1, expires_at: 2 })
    .execute();
  await db.destroy();
}

describe('migrate-data: SQLite → PostgreSQL', () => {
  let file: string;
  let before: Awaited<ReturnType<typeof populatedSqlite>>;
  beforeAll(async () => {
    file = path.join(dir, 'live.db');
    before = await populatedSqlite(file);
    await addExpiredIdempotencyKey(file);
  });

  it('copies servers, sessions, valid keys and meta, verifies the counts, and the service then serves the migrated codes', async () => {
    const url = await pgSchema();
    const r = await migrateData({ from: file, to: url, nowMs: Date.now() });
    expect(r.copied).toMatchObject({
      servers: 6,
      sessions: 4,
      seats: 1,
      session_attributes: 1,
      idempotency_keys: 1,
      meta: expect.any(Number),
    });
    expect(r.copied.replay_keys).toBeGreaterThan(0);
    expect(r.expired.idempotency_keys).toBe(1);
    expect(r.replaced).toBe(0);
    // Analyzed at once: a never-analyzed table has reltuples -1, and PostgreSQL would plan the
    // first starts' claim as a sort of every ready row until autovacuum came round.
    const stats = await pgRows<{ relname: string; reltuples: number }>(
      url,
      `SELECT relname, reltuples FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relname IN ('servers', 'sessions')`,
    );
    expect(Object.fromEntries(stats.map((x) => [x.relname, Number(x.reltuples)]))).toEqual({ servers: 6, sessions: 4 });

    const orch = await started({ DATABASE_URL: url });
    const app = orch.app;
    // The migrated codes join (case-insensitively), to the same servers.
    for (const s of [before.keyed, before.plain]) {
      const join = await app.inject({ method: 'POST', url: `/sessions/join?game_tag=${s.share_tag.toLowerCase()}` });
      expect(join.statusCode).toBe(200);
      expect(join.json()).toEqual({ ip_address: s.ip_address });
    }
    // The ended session's code does not.
    expect(
      (await app.inject({ method: 'POST', url: `/sessions/join?game_tag=${before.ended.share_tag}` })).statusCode,
    ).toBe(404);
    // The idempotency key still names its session: a retried start gets the same answer, no new session.
    const retried = await app.inject({
      method: 'POST',
      url: '/sessions/start',
      headers: { 'idempotency-key': 'launch-42' },
    });
    expect(retried.statusCode).toBe(200);
    expect(retried.json()).toMatchObject({ share_tag: before.keyed.share_tag, ip_address: before.keyed.ip_address });
    // The replay cache came along, 64-bit prefixes exact: the old service's signature is refused.
    const replay = await app.inject({
      method: 'POST',
      url: '/server/heartbeat',
      headers: before.replay.headers,
      payload: before.replay.body,
    });
    expect(replay.statusCode).toBe(401);
    // Running game servers keep their credentials: the master secret is the same.
    expect(before.secret).toMatch(/.+/);
    expect(await orch.store.getMeta('credential_secret')).toBe(before.secret);
    // The public session is found by its attributes, with alice's seat counted.
    const listed = await app.inject({ method: 'GET', url: '/v1/lobbies?mode=duel&attr.map=harbour' });
    expect(listed.json().items).toEqual([expect.objectContaining({ code: before.lobby, free_seats: 1 })]);
    // alice comes back to her own seat; bob takes the last; carol finds it full.
    const join = (player_id: string) =>
      app.inject({ method: 'POST', url: `/v1/sessions/${before.lobby}/join`, payload: { player_id } });
    expect((await join('alice')).statusCode).toBe(200);
    expect((await join('bob')).statusCode).toBe(200);
    const full = await join('carol');
    expect(full.statusCode).toBe(409);
    expect(full.json().error.code).toBe('session_full');
    const expired = await pgRows<{ key: string }>(url, `SELECT key FROM idempotency_keys`);
    expect(expired.map((k) => k.key)).toEqual(['launch-42']);
  });

  it('refuses a non-empty target and changes nothing; --force replaces its contents', async () => {
    const url = await pgSchema();
    await migrateData({ from: file, to: url, nowMs: Date.now() });
    await pgRows(url, `INSERT INTO meta (key, value) VALUES ('marker', 'kept')`);
    const refused = migrateData({ from: file, to: url, nowMs: Date.now() });
    await expect(refused).rejects.toBeInstanceOf(MigrateDataError);
    await expect(refused).rejects.toThrow(
      /^the target database is not empty \(servers: 6, sessions: 4, seats: 1, session_attributes: 1, idempotency_keys: 1, replay_keys: \d+, meta: \d+\); pass --force to replace its contents$/,
    );
    expect(await pgRows(url, `SELECT value FROM meta WHERE key = 'marker'`)).toEqual([{ value: 'kept' }]);

    const r = await migrateData({ from: file, to: url, nowMs: Date.now(), force: true });
    expect(r.replaced).toBeGreaterThan(0);
    expect(await pgRows(url, `SELECT value FROM meta WHERE key = 'marker'`)).toEqual([]);
    expect(await pgRows(url, `SELECT count(*)::int AS n FROM sessions`)).toEqual([{ n: 4 }]);
  });

  it('CLI: reports the counts without printing the URL; bad usage exits 2 and touches nothing', async () => {
    const url = await pgSchema();
    const out: string[] = [];
    const err: string[] = [];
    expect(
      await runMigrateDataCli(
        ['--from', file, '--to', url],
        (l) => out.push(l),
        (l) => err.push(l),
      ),
    ).toBe(0);
    expect(out).toContain('servers: 6');
    expect(out).toContain('sessions: 4');
    expect(out).toContain('idempotency_keys: 1 (1 expired, left behind)');
    const password = new URL(testDatabaseUrl()).password;
    if (password) expect(out.join('\n') + err.join('\n')).not.toContain(password);

    const lines: string[] = [];
    const sink = (l: string) => lines.push(l);
    expect(await runMigrateDataCli(['--from', file], sink, sink)).toBe(2);
    expect(await runMigrateDataCli(['--from', path.join(dir, 'missing.db'), '--to', url], sink, sink)).toBe(2);
    expect(await runMigrateDataCli(['--from', file, '--to', 'mysql://x'], sink, sink)).toBe(2);
    expect(await runMigrateDataCli(['--from', file, '--to', url, '--bogus'], sink, sink)).toBe(2);
    expect(await runMigrateDataCli(['--from', file, '--to', url], sink, sink)).toBe(1); // not empty now
    expect(lines.join('\n')).toMatch(/no SQLite file at .*missing\.db/);
    expect(lines.join('\n')).toMatch(/not empty .*--force/);
    expect(lines.join('\n')).not.toContain(password || '\u0000');
  });

  it('the installed command line runs it (game-orchestrator migrate-data)', () => {
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/main.ts',
        'migrate-data',
        '--from',
        path.join(dir, 'nope.db'),
        '--to',
        'postgres://x@127.0.0.1:1/x',
      ],
      {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        timeout: 20_000,
      },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/migrate-data: --from: no SQLite file at/);
  });
});
