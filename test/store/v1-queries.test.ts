import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { makeServer, makeSession, T0 } from './fixtures.js';
import { openTestStore, STORE_KINDS, type TestStore } from './test-stores.js';

/** The /v1 store methods (migration 0004), on every dialect. */
for (const kind of STORE_KINDS) {
  describe(`Store /v1 queries (${kind})`, () => {
    let t: TestStore;
    beforeAll(async () => {
      t = await openTestStore(kind);
    });
    beforeEach(async () => {
      await t.reset();
    });
    afterAll(async () => {
      await t?.dispose();
    });
    const store = (): Store => t.store;

    it('keeps max_players and metadata with a session; rows without them read as null', async () => {
      const a = makeSession();
      const b = makeSession();
      await store().insertSession(a);
      await store().insertSession(b);
      await store().setSessionDetails(a.id, { maxPlayers: 8, metadata: '{"mode":"coop"}' });
      expect(await store().getDetailedSession(a.id)).toMatchObject({
        id: a.id,
        code: a.code,
        maxPlayers: 8,
        metadata: '{"mode":"coop"}',
      });
      expect(await store().getDetailedSession(b.id)).toMatchObject({ id: b.id, maxPlayers: null, metadata: null });
      expect(await store().getDetailedSession('nope')).toBeNull();
    });

    it('findSessionByCode() prefers the live session, else the latest ended one with the code', async () => {
      const old = makeSession({
        code: 'ABCDEF',
        state: 'ended',
        createdAtMs: T0,
        endedAtMs: T0 + 1,
        endReason: 'idle',
      });
      const newer = makeSession({
        code: 'ABCDEF',
        state: 'ended',
        createdAtMs: T0 + 10,
        endedAtMs: T0 + 11,
        endReason: 'cancelled',
      });
      await store().insertSession(old);
      await store().insertSession(newer);
      expect((await store().findSessionByCode('ABCDEF'))!.id).toBe(newer.id);
      const live = makeSession({ code: 'ABCDEF', createdAtMs: T0 + 5 });
      await store().insertSession(live);
      expect((await store().findSessionByCode('ABCDEF'))!.id).toBe(live.id);
      expect(await store().findSessionByCode('ZZZZZZ')).toBeNull();
    });

    it('pageSessions() walks every row once in (created, id) order, with filters', async () => {
      const server = makeServer({ state: 'allocated' });
      await store().insertServer(server);
      const rows = [];
      for (let i = 0; i < 7; i++) {
        // Two rows share each timestamp: the id breaks the tie.
        const s = makeSession({
          createdAtMs: T0 + Math.floor(i / 2),
          state: i === 3 ? 'active' : 'pending',
          serverId: i === 3 ? server.id : null,
        });
        await store().insertSession(s);
        rows.push(s);
      }
      const expected = [...rows]
        .sort((a, b) => a.createdAtMs - b.createdAtMs || (a.id < b.id ? -1 : 1))
        .map((s) => s.id);
      const seen: string[] = [];
      let after;
      for (let i = 0; i < 10; i++) {
        const page = await store().pageSessions({ limit: 3, after });
        seen.push(...page.items.map((s) => s.id));
        const last = page.items[page.items.length - 1];
        if (!page.more || !last) break;
        after = { createdAtMs: last.createdAtMs, id: last.id };
      }
      expect(seen).toEqual(expected);
      expect((await store().pageSessions({ limit: 10, states: ['active'] })).items.map((s) => s.id)).toEqual([
        rows[3]!.id,
      ]);
      expect((await store().pageSessions({ limit: 10, serverId: server.id })).items).toHaveLength(1);
      expect(await store().pageSessions({ limit: 10, states: ['ended'] })).toEqual({ items: [], more: false });
    });

    it('pageServers() pages and filters by state and origin', async () => {
      for (let i = 0; i < 5; i++)
        await store().insertServer(
          makeServer({
            createdAtMs: T0 + i,
            origin: i % 2 ? 'external' : 'local',
            state: i === 0 ? 'deleted' : 'ready',
          }),
        );
      const first = await store().pageServers({ limit: 2 });
      expect(first.items).toHaveLength(2);
      expect(first.more).toBe(true);
      const last = first.items[1]!;
      const rest = await store().pageServers({ limit: 10, after: { createdAtMs: last.createdAtMs, id: last.id } });
      expect(rest.items).toHaveLength(3);
      expect(rest.more).toBe(false);
      expect((await store().pageServers({ limit: 10, origins: ['external'] })).items).toHaveLength(2);
      expect((await store().pageServers({ limit: 10, states: ['deleted'] })).items).toHaveLength(1);
    });

    it('setMeta() replaces a value that setMetaIfAbsent() keeps', async () => {
      expect(await store().setMetaIfAbsent('pool_settings', 'a')).toBe('a');
      await store().setMeta('pool_settings', 'b');
      expect(await store().getMeta('pool_settings')).toBe('b');
      expect(await store().setMetaIfAbsent('pool_settings', 'c')).toBe('b');
    });
  });
}
