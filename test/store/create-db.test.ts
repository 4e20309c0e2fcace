import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { createStore, migrateDatabase } from '../../src/store/create-db.js';
import { openDatabase } from '../../src/store/open-database.js';
import { adminQuery, pgUrlForSchema } from './test-stores.js';

const dir = mkdtempSync(path.join(tmpdir(), 'create-db-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('createStore() and migrateDatabase()', () => {
  it('SQLite: creates the parent directory and sets the pragmas', async () => {
    const file = path.join(dir, 'nested', 'deeper', 'data.db');
    const store = await createStore({ kind: 'sqlite', path: file });
    await store.setMetaIfAbsent('k', 'v');
    await store.close();
    expect(existsSync(file)).toBe(true);

    const { db } = openDatabase({ kind: 'sqlite', path: file });
    try {
      const pragma = async (name: string) =>
        Object.values((await sql.raw(`PRAGMA ${name}`).execute(db)).rows[0] as object)[0];
      expect(await pragma('journal_mode')).toBe('wal');
      expect(await pragma('synchronous')).toBe(1); // NORMAL
      expect(await pragma('busy_timeout')).toBe(5000);
      expect(await pragma('foreign_keys')).toBe(1);
    } finally {
      await db.destroy();
    }
  });

  it('SQLite: migrateDatabase() applies the migrations once and the data survives a reopen', async () => {
    const file = path.join(dir, 'migrate.db');
    expect(await migrateDatabase({ kind: 'sqlite', path: file })).toEqual([
      '0001-initial',
      '0002-replay-keys',
      '0003-events-and-leases',
      '0004-v1-sessions',
      '0006-webhooks',
      '0007-live-listing-indexes',
      '0008-session-holders',
      '0009-history-retention',
      '0010-event-ids-by-transaction',
      '0011-regions',
      '0012-seats',
      '0014-lobbies',
      '0016-placement-requests',
      '0017-start-index-entries',
      '0018-server-sizes',
    ]);
    expect(await migrateDatabase({ kind: 'sqlite', path: file })).toEqual([]);
    const store = await createStore({ kind: 'sqlite', path: file });
    await store.setMetaIfAbsent('kept', 'yes');
    await store.close();
    const reopened = await createStore({ kind: 'sqlite', path: file });
    expect(await reopened.getMeta('kept')).toBe('yes');
    await reopened.close();
  });

  it('PostgreSQL: migrates its own schema even when another schema already has Kysely tables', async () => {
    const a = `t_${randomBytes(6).toString('hex')}`;
    const b = `t_${randomBytes(6).toString('hex')}`;
    await adminQuery(`CREATE SCHEMA ${a}; CREATE SCHEMA ${b}`);
    try {
      expect(await migrateDatabase({ kind: 'postgres', url: pgUrlForSchema(a) })).toEqual([
        '0001-initial',
        '0002-replay-keys',
        '0003-events-and-leases',
        '0004-v1-sessions',
        '0006-webhooks',
        '0007-live-listing-indexes',
        '0008-session-holders',
        '0009-history-retention',
        '0010-event-ids-by-transaction',
        '0011-regions',
        '0012-seats',
        '0014-lobbies',
        '0016-placement-requests',
        '0017-start-index-entries',
        '0018-server-sizes',
      ]);
      expect(await migrateDatabase({ kind: 'postgres', url: pgUrlForSchema(b) })).toEqual([
        '0001-initial',
        '0002-replay-keys',
        '0003-events-and-leases',
        '0004-v1-sessions',
        '0006-webhooks',
        '0007-live-listing-indexes',
        '0008-session-holders',
        '0009-history-retention',
        '0010-event-ids-by-transaction',
        '0011-regions',
        '0012-seats',
        '0014-lobbies',
        '0016-placement-requests',
        '0017-start-index-entries',
        '0018-server-sizes',
      ]);
      expect(await migrateDatabase({ kind: 'postgres', url: pgUrlForSchema(b) })).toEqual([]);
      const store = await createStore({ kind: 'postgres', url: pgUrlForSchema(b) });
      expect(await store.setMetaIfAbsent('k', 'v')).toBe('v');
      await store.close();
    } finally {
      await adminQuery(`DROP SCHEMA ${a} CASCADE; DROP SCHEMA ${b} CASCADE`);
    }
  });

  it('PostgreSQL: an unreachable server fails createStore() with an error', async () => {
    await expect(createStore({ kind: 'postgres', url: 'postgres://postgres@127.0.0.1:1/none' })).rejects.toThrow();
  });
});
