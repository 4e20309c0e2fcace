import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createStore, LEGACY_IMPORT_META_KEY } from '../../src/store/create-db.js';
import { importLegacyFile, importLegacyRows } from '../../src/store/legacy-import.js';
import { parseLegacyTime } from '../../src/store/legacy-rows.js';
import { FakeClock } from '../../src/util/clock.js';
import { T0 } from './fixtures.js';
import { openTestStore, STORE_KINDS } from './test-stores.js';

const dir = mkdtempSync(path.join(tmpdir(), 'legacy-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The original service's table, verbatim. */
const LEGACY_SCHEMA = `CREATE TABLE game_droplets (
  ipv4 TEXT PRIMARY KEY,
  connected_clients INTEGER,
  fresh_game BOOLEAN,
  last_heartbeat TEXT,
  droplet_id INTEGER NULL,
  share_tag TEXT UNIQUE NULL
)`;

const HB_ISO = Date.UTC(2024, 4, 1, 12, 0, 0, 123);
const HB_S = 1_714_564_800;

/** A femquest.db as the original left it: rows with and without droplet/tag, both time formats. */
function writeLegacyFile(name: string): string {
  const file = path.join(dir, name);
  const db = new BetterSqlite3(file);
  db.exec(LEGACY_SCHEMA);
  const insert = db.prepare('INSERT INTO game_droplets VALUES (?, ?, ?, ?, ?, ?)');
  insert.run('203.0.113.1', 2, 1, '2024-05-01T12:00:00.123456', 111, ' abc123 ');
  insert.run('203.0.113.2', 0, 0, HB_S, null, null);
  insert.run('203.0.113.3', 1, 0, HB_S + 0.5, 222, null);
  insert.run('203.0.113.4', 3, 0, '2024-05-01 12:00:00', null, 'xyz789');
  db.close();
  return file;
}

function legacyRowCount(file: string): number {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM game_droplets').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('legacy import', () => {
  it('createStore() on the original femquest.db keeps its servers and codes, once', async () => {
    const file = writeLegacyFile('femquest.db');
    const clock = new FakeClock(T0);
    const store = await createStore({ kind: 'sqlite', path: file }, undefined, clock);
    expect(await store.findJoinAddress('ABC123')).toBe('203.0.113.1');
    expect(await store.findJoinAddress('XYZ789')).toBe('203.0.113.4');
    const tagged = await store.findActiveServerByIp('203.0.113.1');
    expect(tagged).toMatchObject({
      state: 'allocated',
      origin: 'digitalocean',
      providerId: '111',
      players: 2,
      lastHeartbeatAtMs: HB_ISO,
    });
    const session = await store.findLiveSessionByServer(tagged?.id ?? '');
    expect(session).toMatchObject({ code: 'ABC123', state: 'active', coldStart: true, lastPlayedAtMs: T0 });
    expect(await store.findActiveServerByIp('203.0.113.2')).toMatchObject({
      state: 'ready',
      origin: 'external',
      providerId: null,
      lastHeartbeatAtMs: HB_S * 1000,
    });
    expect(await store.findActiveServerByIp('203.0.113.3')).toMatchObject({
      state: 'ready',
      providerId: '222',
      lastHeartbeatAtMs: HB_S * 1000 + 500,
    });
    expect(await store.findActiveServerByIp('203.0.113.4')).toMatchObject({
      state: 'allocated',
      lastHeartbeatAtMs: Date.UTC(2024, 4, 1, 12),
    });
    expect(await store.getMeta(LEGACY_IMPORT_META_KEY)).not.toBeNull();
    // Retire one server: were the import to run again, its address would come back.
    await store.transitionServer(tagged?.id ?? '', ['allocated'], 'deleted', {}, T0 + 1);
    await store.close();

    const again = await createStore({ kind: 'sqlite', path: file }, undefined, clock);
    expect(await again.countServers(['ready', 'allocated', 'deleted'])).toBe(4);
    expect(await again.findActiveServerByIp('203.0.113.1')).toBeNull();
    expect(await again.findJoinAddress('XYZ789')).toBe('203.0.113.4');
    await again.close();
    expect(legacyRowCount(file)).toBe(4);
  });

  for (const kind of STORE_KINDS) {
    it(`importLegacyFile() into ${kind} imports a separate file and is idempotent`, async () => {
      const file = writeLegacyFile(`separate-${kind}.db`);
      const { store, dispose } = await openTestStore(kind);
      try {
        expect(await importLegacyFile(store, file, T0)).toEqual({ servers: 4, sessions: 2, skipped: 0 });
        expect(await store.findJoinAddress('ABC123')).toBe('203.0.113.1');
        expect(await importLegacyFile(store, file, T0 + 1)).toEqual({ servers: 0, sessions: 0, skipped: 4 });
        expect(await store.countServers(['ready', 'allocated'])).toBe(4);
        expect(await store.countSessions(['active'])).toBe(2);
      } finally {
        await dispose();
      }
    });
  }

  it('skips rows without an address and rows whose code a live session holds', async () => {
    const { store, dispose } = await openTestStore('sqlite');
    try {
      await importLegacyRows(store, [{ ipv4: '198.51.100.1', share_tag: 'SAME01' }], T0);
      const result = await importLegacyRows(
        store,
        [
          { ipv4: '  ' },
          { ipv4: null },
          { ipv4: '198.51.100.2', share_tag: 'same01' },
          { ipv4: '198.51.100.3', share_tag: '' },
        ],
        T0,
      );
      expect(result).toEqual({ servers: 1, sessions: 0, skipped: 3 });
      expect(await store.findActiveServerByIp('198.51.100.3')).toMatchObject({
        state: 'ready',
        players: 0,
        lastHeartbeatAtMs: T0,
      });
    } finally {
      await dispose();
    }
  });

  it('importLegacyFile() refuses a file without game_droplets', async () => {
    const file = path.join(dir, 'empty.db');
    new BetterSqlite3(file).close();
    const { store, dispose } = await openTestStore('sqlite');
    await expect(importLegacyFile(store, file, T0)).rejects.toThrow(/no game_droplets table/);
    await dispose();
  });
});

describe('parseLegacyTime()', () => {
  it.each([
    ['2024-05-01T12:00:00', Date.UTC(2024, 4, 1, 12)],
    ['2024-05-01 12:00:00', Date.UTC(2024, 4, 1, 12)],
    ['2024-05-01T12:00:00.123456', Date.UTC(2024, 4, 1, 12, 0, 0, 123)],
    ['2024-05-01T12:00:00+02:00', Date.UTC(2024, 4, 1, 10)],
    ['2024-05-01T12:00:00Z', Date.UTC(2024, 4, 1, 12)],
    ['1714564800', 1_714_564_800_000],
    [1714564800.25, 1_714_564_800_250],
    [1714564800, 1_714_564_800_000],
    [null, null],
    ['', null],
    ['not a date', null],
  ])('%j → %j', (input, expected) => {
    expect(parseLegacyTime(input)).toBe(expected);
  });
});
