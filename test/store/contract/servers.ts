import { describe, expect, it } from 'vitest';
import type { Store } from '../../../src/store/store.js';
import { makeServer, T0 } from '../fixtures.js';
import type { StoreKind } from '../test-stores.js';

/**
 * Store contract, servers: rows, lookups, conditional transitions, claims.
 * `store()` returns the current test's fresh store.
 */
export function serverContract(store: () => Store, _kind: StoreKind): void {
  describe('servers', () => {
    it('insertServer() and getServer() round-trip every field with numbers as numbers', async () => {
      const s = makeServer({
        providerId: '123',
        port: 7777,
        players: 3,
        readyAtMs: T0 + 5,
        lastHeartbeatAtMs: T0 + 6,
        reason: 'x',
      });
      await store().insertServer(s);
      expect(await store().getServer(s.id)).toEqual(s);
      const bare = makeServer({ ip: null, readyAtMs: null, lastHeartbeatAtMs: null, state: 'creating' });
      await store().insertServer(bare);
      expect(await store().getServer(bare.id)).toEqual(bare);
      expect(await store().getServer('nope')).toBeNull();
    });

    it('findActiveServerByIp() finds only creating/starting/ready/allocated servers', async () => {
      const gone = makeServer({ ip: '10.9.9.9', state: 'deleted' });
      const sick = makeServer({ ip: '10.9.9.8', state: 'unhealthy' });
      await store().insertServer(gone);
      await store().insertServer(sick);
      expect(await store().findActiveServerByIp('10.9.9.9')).toBeNull();
      expect(await store().findActiveServerByIp('10.9.9.8')).toBeNull();
      const live = makeServer({ ip: '10.9.9.9', state: 'starting' });
      await store().insertServer(live);
      expect((await store().findActiveServerByIp('10.9.9.9'))?.id).toBe(live.id);
    });

    it('refuses a second active server at the same address', async () => {
      await store().insertServer(makeServer({ ip: '10.1.1.1' }));
      await expect(store().insertServer(makeServer({ ip: '10.1.1.1', state: 'creating' }))).rejects.toThrow();
      await store().insertServer(makeServer({ ip: '10.1.1.1', state: 'shutdown' }));
    });

    it('listServers() and countServers() filter by state in creation order', async () => {
      const a = makeServer({ createdAtMs: T0 + 2, state: 'ready' });
      const b = makeServer({ createdAtMs: T0 + 1, state: 'allocated' });
      const c = makeServer({ createdAtMs: T0 + 3, state: 'deleted' });
      for (const s of [a, b, c]) await store().insertServer(s);
      expect((await store().listServers()).map((s) => s.id)).toEqual([b.id, a.id, c.id]);
      expect((await store().listServers(['ready', 'deleted'])).map((s) => s.id)).toEqual([a.id, c.id]);
      expect(await store().listServers([])).toEqual([]);
      expect(await store().countServers(['ready', 'allocated'])).toBe(2);
      expect(await store().countServers([])).toBe(0);
    });

    it('listServers() outside a transaction reads in pages: every row once, in creation order, past several pages', async () => {
      // 1,203 rows: more than two pages of LIST_PAGE_ROWS, with ties on created_at across a page edge.
      const rows = Array.from({ length: 1203 }, (_, i) =>
        makeServer({ ip: null, createdAtMs: T0 + Math.floor(i / 7), state: i % 5 === 0 ? 'deleted' : 'ready' }),
      );
      await store().transaction(async (tx) => {
        for (const r of rows) await tx.insertServer(r);
      });
      const inTx = await store().transaction((tx) => tx.listServers(['ready']));
      // The event loop runs while it reads (a synchronous driver would otherwise hold it throughout).
      let turns = 0;
      const ticker = setInterval(() => turns++, 0);
      let paged: Awaited<ReturnType<Store['listServers']>>;
      try {
        await new Promise((resolve) => setImmediate(resolve));
        turns = 0;
        paged = await store().listServers(['ready']);
      } finally {
        clearInterval(ticker);
      }
      expect(turns).toBeGreaterThan(0);
      expect(paged.map((s) => s.id)).toEqual(inTx.map((s) => s.id));
      expect(new Set(paged.map((s) => s.id)).size).toBe(rows.filter((r) => r.state === 'ready').length);
      expect(await store().listServers()).toHaveLength(1203);
    });

    it('recordHeartbeatByIp() updates only a ready or allocated server at the address, in one statement', async () => {
      const ready = makeServer({ ip: '10.7.0.1', state: 'ready', players: 0 });
      const booting = makeServer({ ip: '10.7.0.2', state: 'starting' });
      const gone = makeServer({ ip: '10.7.0.3', state: 'shutdown' });
      for (const s of [ready, booting, gone]) await store().insertServer(s);
      const r = await store().recordHeartbeatByIp('10.7.0.1', 4, T0 + 50);
      expect(r).toEqual({ ...ready, players: 4, lastHeartbeatAtMs: T0 + 50, updatedAtMs: T0 + 50 });
      expect(await store().getServer(ready.id)).toEqual(r);
      expect(await store().recordHeartbeatByIp('10.7.0.2', 4, T0 + 50)).toBeNull();
      expect(await store().recordHeartbeatByIp('10.7.0.3', 4, T0 + 50)).toBeNull();
      expect(await store().recordHeartbeatByIp('10.7.0.9', 4, T0 + 50)).toBeNull();
      expect(await store().getServer(booting.id)).toEqual(booting);
      expect(await store().getServer(gone.id)).toEqual(gone);
    });

    it('countMadeServers() counts only the servers we made, in the given states', async () => {
      await store().insertServer(makeServer({ state: 'ready' }));
      await store().insertServer(makeServer({ state: 'creating', ip: null }));
      await store().insertServer(makeServer({ state: 'ready', origin: 'external' }));
      await store().insertServer(makeServer({ state: 'deleted' }));
      expect(await store().countMadeServers(['creating', 'ready', 'allocated'])).toBe(2);
      expect(await store().countMadeServers([])).toBe(0);
    });

    it('transitionServer() moves state, applies the patch and stamps the times', async () => {
      const s = makeServer({ state: 'creating', ip: null, readyAtMs: null });
      await store().insertServer(s);
      const started = await store().transitionServer(
        s.id,
        ['creating'],
        'starting',
        { ip: '10.2.2.2', providerId: 'd1' },
        T0 + 10,
      );
      expect(started).toEqual({
        ...s,
        state: 'starting',
        ip: '10.2.2.2',
        providerId: 'd1',
        updatedAtMs: T0 + 10,
        stateChangedAtMs: T0 + 10,
      });
      const ready = await store().transitionServer(
        s.id,
        ['starting'],
        'ready',
        { lastHeartbeatAtMs: T0 + 20 },
        T0 + 20,
      );
      expect(ready?.readyAtMs).toBe(T0 + 20);
      const same = await store().transitionServer(s.id, ['ready'], 'ready', { players: 0, reason: null }, T0 + 30);
      expect(same).toMatchObject({ stateChangedAtMs: T0 + 20, updatedAtMs: T0 + 30, readyAtMs: T0 + 20 });
      const explicit = await store().transitionServer(s.id, ['ready'], 'allocated', { readyAtMs: 5 }, T0 + 40);
      expect(explicit).toMatchObject({ state: 'allocated', readyAtMs: 5, ip: '10.2.2.2', providerId: 'd1' });
    });

    it('transitionServer() returns null and changes nothing on a lost race', async () => {
      const s = makeServer({ state: 'allocated' });
      await store().insertServer(s);
      expect(await store().transitionServer(s.id, ['ready'], 'shutdown', { reason: 'x' }, T0 + 1)).toBeNull();
      expect(await store().transitionServer('missing', ['ready'], 'shutdown', {}, T0 + 1)).toBeNull();
      expect(await store().transitionServer(s.id, [], 'shutdown', {}, T0 + 1)).toBeNull();
      expect(await store().getServer(s.id)).toEqual(s);
    });

    it('only one of many concurrent transitionServer() calls wins', async () => {
      const s = makeServer();
      await store().insertServer(s);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store().transitionServer(s.id, ['ready'], 'shutdown', { reason: `r${i}` }, T0 + 1),
        ),
      );
      expect(results.filter((r) => r !== null)).toHaveLength(1);
    });

    it('patchServer() updates fields without touching state, only in the given states', async () => {
      const s = makeServer({ state: 'allocated', players: 1 });
      await store().insertServer(s);
      const p = await store().patchServer(s.id, ['allocated'], { players: 4, lastHeartbeatAtMs: T0 + 9 }, T0 + 9);
      expect(p).toEqual({ ...s, players: 4, lastHeartbeatAtMs: T0 + 9, updatedAtMs: T0 + 9 });
      expect(await store().patchServer(s.id, ['ready'], { players: 0 }, T0 + 10)).toBeNull();
      expect((await store().getServer(s.id))?.players).toBe(4);
    });

    it('claimReadyServer() takes the longest-ready idle server and marks it allocated', async () => {
      const young = makeServer({ readyAtMs: T0 + 5 });
      const old = makeServer({ readyAtMs: T0 + 1 });
      const busy = makeServer({ readyAtMs: T0, players: 2 });
      const starting = makeServer({ readyAtMs: null, state: 'starting' });
      for (const s of [young, old, busy, starting]) await store().insertServer(s);
      const first = await store().claimReadyServer(T0 + 100);
      expect(first).toEqual({ ...old, state: 'allocated', updatedAtMs: T0 + 100, stateChangedAtMs: T0 + 100 });
      expect((await store().claimReadyServer(T0 + 100))?.id).toBe(young.id);
      expect(await store().claimReadyServer(T0 + 100)).toBeNull();
      expect((await store().getServer(busy.id))?.state).toBe('ready');
    });

    it('claimReadyServer(region) takes only a server of that region, the longest-ready there', async () => {
      const nyc = makeServer({ region: 'nyc3', readyAtMs: T0 });
      const amsYoung = makeServer({ region: 'ams3', readyAtMs: T0 + 5 });
      const amsOld = makeServer({ region: 'ams3', readyAtMs: T0 + 1 });
      for (const s of [nyc, amsYoung, amsOld]) await store().insertServer(s);
      expect((await store().claimReadyServer(T0 + 100, undefined, 'ams3'))?.id).toBe(amsOld.id);
      expect((await store().claimReadyServer(T0 + 100, undefined, 'ams3'))?.id).toBe(amsYoung.id);
      expect(await store().claimReadyServer(T0 + 100, undefined, 'ams3')).toBeNull();
      expect(await store().claimReadyServer(T0 + 100, undefined, 'sgp1')).toBeNull();
      expect((await store().getServer(nyc.id))?.state).toBe('ready');
      expect((await store().claimReadyServer(T0 + 100, undefined, 'nyc3'))?.id).toBe(nyc.id);
    });
  });
}
