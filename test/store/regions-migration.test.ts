import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Migrator, type Kysely } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { createStore, type DatabaseOptions } from '../../src/store/create-db.js';
import { staticMigrationProvider } from '../../src/store/migrations/index.js';
import { openDatabase } from '../../src/store/open-database.js';
import { T0 } from './fixtures.js';
import { adminQuery, pgUrlForSchema, STORE_KINDS } from './test-stores.js';

const dir = mkdtempSync(path.join(tmpdir(), 'regions-migration-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type AnyDb = Kysely<any>;

/** A database as it was before regions: migrated to 0010, with one server and its session. */
async function beforeRegions(opts: DatabaseOptions): Promise<void> {
  const { db, kind } = openDatabase(opts);
  const any = db as unknown as AnyDb;
  try {
    const migrator = new Migrator({ db, provider: staticMigrationProvider(kind) });
    const { error } = await migrator.migrateTo('0010-event-ids-by-transaction');
    if (error) throw error instanceof Error ? error : new Error(String(error));
    await any
      .insertInto('servers')
      .values({
        id: 's1',
        state: 'allocated',
        origin: 'digitalocean',
        provider_id: '7',
        ip: '203.0.113.7',
        port: null,
        players: 1,
        created_at: T0,
        updated_at: T0,
        state_changed_at: T0,
        ready_at: T0,
        last_heartbeat_at: T0,
        reason: null,
      })
      .execute();
    await any
      .insertInto('sessions')
      .values({ id: 'x1', code: 'ABCDEF', state: 'active', server_id: 's1', created_at: T0, fresh: 0 })
      .execute();
  } finally {
    await db.destroy();
  }
}

for (const kind of STORE_KINDS) {
  describe(`migration 0011-regions on ${kind}`, () => {
    it('puts the servers and sessions made before regions in the default region, with no placement reason', async () => {
      let opts: DatabaseOptions;
      let drop = async () => {};
      if (kind === 'sqlite') opts = { kind, path: path.join(dir, `${randomUUID()}.db`), defaultRegion: 'ams3' };
      else {
        const schema = `t_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
        await adminQuery(`CREATE SCHEMA ${schema}`);
        opts = { kind, url: pgUrlForSchema(schema), defaultRegion: 'ams3' };
        drop = () => adminQuery(`DROP SCHEMA ${schema} CASCADE`);
      }
      try {
        await beforeRegions(opts);
        const store = await createStore(opts);
        try {
          expect(await store.getServer('s1')).toMatchObject({ region: 'ams3', state: 'allocated' });
          expect(await store.getSession('x1')).toMatchObject({ region: 'ams3', placement: null, serverId: 's1' });
        } finally {
          await store.close();
        }
      } finally {
        await drop();
      }
    });
  });
}
