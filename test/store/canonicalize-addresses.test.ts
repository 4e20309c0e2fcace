import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Server } from '../../src/domain/server.js';
import { canonicalizeStoredAddresses } from '../../src/store/canonicalize-addresses.js';
import { createStore, type DatabaseOptions } from '../../src/store/create-db.js';
import { openDatabase } from '../../src/store/open-database.js';
import { T0 } from './fixtures.js';
import { adminQuery, pgUrlForSchema, STORE_KINDS } from './test-stores.js';

const dir = mkdtempSync(path.join(tmpdir(), 'canonical-ip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function server(ip: string, state: Server['state']): Server {
  return {
    id: randomUUID(),
    state,
    origin: 'external',
    region: 'local',
    providerId: null,
    ip,
    port: null,
    players: 0,
    createdAtMs: T0,
    updatedAtMs: T0,
    stateChangedAtMs: T0,
    readyAtMs: T0,
    lastHeartbeatAtMs: T0,
    reason: null,
  };
}

for (const kind of STORE_KINDS) {
  describe(`canonicalizeStoredAddresses() on ${kind}`, () => {
    it('rewrites stored addresses in canonical spelling, leaves non-addresses, and reports live duplicates', async () => {
      let opts: DatabaseOptions;
      let drop = async () => {};
      if (kind === 'sqlite') opts = { kind, path: path.join(dir, `${randomUUID()}.db`) };
      else {
        const schema = `t_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
        await adminQuery(`CREATE SCHEMA ${schema}`);
        opts = { kind, url: pgUrlForSchema(schema) };
        drop = () => adminQuery(`DROP SCHEMA ${schema} CASCADE`);
      }
      try {
        const store = await createStore(opts);
        const upper = server('2001:DB8::1', 'ready');
        const mapped = server('::ffff:127.0.0.3', 'allocated');
        const plain = server('127.0.0.3', 'deleted');
        const dupLive = server('203.0.113.9', 'ready');
        const dupOther = server('::FFFF:203.0.113.9', 'ready');
        const junk = server('not an address', 'ready');
        for (const s of [upper, mapped, plain, dupLive, dupOther, junk]) await store.insertServer(s);
        await store.close();

        const { db } = openDatabase(opts);
        try {
          const r = await db.transaction().execute((tx) => canonicalizeStoredAddresses(tx));
          expect(r).toEqual({ updated: 2, conflicts: [dupOther.id] });
          const ips = Object.fromEntries(
            (await db.selectFrom('servers').select(['id', 'ip']).execute()).map((x) => [x.id, x.ip]),
          );
          expect(ips).toEqual({
            [upper.id]: '2001:db8::1',
            [mapped.id]: '127.0.0.3',
            [plain.id]: '127.0.0.3',
            [dupLive.id]: '203.0.113.9',
            [dupOther.id]: '::FFFF:203.0.113.9',
            [junk.id]: 'not an address',
          });
          expect(await canonicalizeStoredAddresses(db)).toEqual({ updated: 0, conflicts: [dupOther.id] });
        } finally {
          await db.destroy();
        }
      } finally {
        await drop();
      }
    });
  });
}

describe('migration 0003 rewrites stored addresses once', () => {
  it('a database migrated from 0002 with mixed spellings ends with canonical addresses', async () => {
    const { Kysely, Migrator, SqliteDialect } = await import('kysely');
    const BetterSqlite3 = (await import('better-sqlite3')).default;
    const { staticMigrationProvider } = await import('../../src/store/migrations/index.js');
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new BetterSqlite3(':memory:') }) });
    try {
      const migrator = new Migrator({ db, provider: staticMigrationProvider('sqlite') });
      await migrator.migrateTo('0002-replay-keys');
      const row = (id: string, ip: string, state: string) => ({
        id,
        state,
        origin: 'external',
        provider_id: null,
        ip,
        port: null,
        players: 0,
        created_at: 1,
        updated_at: 1,
        state_changed_at: 1,
        ready_at: 1,
        last_heartbeat_at: 1,
        reason: null,
      });
      await db
        .insertInto('servers')
        .values([
          row('a', '2001:0DB8:0000::1', 'ready'),
          row('b', '::ffff:127.0.0.3', 'allocated'),
          row('c', '198.51.100.4', 'ready'),
        ])
        .execute();
      await migrator.migrateToLatest();
      const ips = await db.selectFrom('servers').select(['id', 'ip']).orderBy('id').execute();
      expect(ips).toEqual([
        { id: 'a', ip: '2001:db8::1' },
        { id: 'b', ip: '127.0.0.3' },
        { id: 'c', ip: '198.51.100.4' },
      ]);
    } finally {
      await db.destroy();
    }
  });
});
