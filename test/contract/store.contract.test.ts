import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { makeServer, makeSession, T0 } from '../store/fixtures.js';
import { openTestStore, STORE_KINDS, type TestStore } from '../store/test-stores.js';

for (const kind of STORE_KINDS) {
  describe(`Store contract (${kind})`, () => {
    let t: TestStore;
    let store: Store;
    beforeEach(async () => {
      t = await openTestStore(kind);
      store = t.store;
    });
    afterEach(async () => {
      await t.dispose();
    });

    describe('servers', () => {
      it('insertServer() and getServer() round-trip every field with numbers as numbers', async () => {
        const s = makeServer({ providerId: '123', port: 7777, players: 3, readyAtMs: T0 + 5, lastHeartbeatAtMs: T0 + 6, reason: 'x' });
        await store.insertServer(s);
        expect(await store.getServer(s.id)).toEqual(s);
        const bare = makeServer({ ip: null, readyAtMs: null, lastHeartbeatAtMs: null, state: 'creating' });
        await store.insertServer(bare);
        expect(await store.getServer(bare.id)).toEqual(bare);
        expect(await store.getServer('nope')).toBeNull();
      });

      it('findActiveServerByIp() finds only creating/starting/ready/allocated servers', async () => {
        const gone = makeServer({ ip: '10.9.9.9', state: 'deleted' });
        const sick = makeServer({ ip: '10.9.9.8', state: 'unhealthy' });
        await store.insertServer(gone);
        await store.insertServer(sick);
        expect(await store.findActiveServerByIp('10.9.9.9')).toBeNull();
        expect(await store.findActiveServerByIp('10.9.9.8')).toBeNull();
        const live = makeServer({ ip: '10.9.9.9', state: 'starting' });
        await store.insertServer(live);
        expect((await store.findActiveServerByIp('10.9.9.9'))?.id).toBe(live.id);
      });

      it('refuses a second active server at the same address', async () => {
        await store.insertServer(makeServer({ ip: '10.1.1.1' }));
        await expect(store.insertServer(makeServer({ ip: '10.1.1.1', state: 'creating' }))).rejects.toThrow();
        await store.insertServer(makeServer({ ip: '10.1.1.1', state: 'shutdown' }));
      });

      it('listServers() and countServers() filter by state in creation order', async () => {
        const a = makeServer({ createdAtMs: T0 + 2, state: 'ready' });
        const b = makeServer({ createdAtMs: T0 + 1, state: 'allocated' });
        const c = makeServer({ createdAtMs: T0 + 3, state: 'deleted' });
        for (const s of [a, b, c]) await store.insertServer(s);
        expect((await store.listServers()).map((s) => s.id)).toEqual([b.id, a.id, c.id]);
        expect((await store.listServers(['ready', 'deleted'])).map((s) => s.id)).toEqual([a.id, c.id]);
        expect(await store.listServers([])).toEqual([]);
        expect(await store.countServers(['ready', 'allocated'])).toBe(2);
        expect(await store.countServers([])).toBe(0);
      });

      it('transitionServer() moves state, applies the patch and stamps the times', async () => {
        const s = makeServer({ state: 'creating', ip: null, readyAtMs: null });
        await store.insertServer(s);
        const started = await store.transitionServer(s.id, ['creating'], 'starting', { ip: '10.2.2.2', providerId: 'd1' }, T0 + 10);
        expect(started).toEqual({ ...s, state: 'starting', ip: '10.2.2.2', providerId: 'd1', updatedAtMs: T0 + 10, stateChangedAtMs: T0 + 10 });
        const ready = await store.transitionServer(s.id, ['starting'], 'ready', { lastHeartbeatAtMs: T0 + 20 }, T0 + 20);
        expect(ready?.readyAtMs).toBe(T0 + 20);
        const same = await store.transitionServer(s.id, ['ready'], 'ready', { players: 0, reason: null }, T0 + 30);
        expect(same).toMatchObject({ stateChangedAtMs: T0 + 20, updatedAtMs: T0 + 30, readyAtMs: T0 + 20 });
        const explicit = await store.transitionServer(s.id, ['ready'], 'allocated', { readyAtMs: 5 }, T0 + 40);
        expect(explicit).toMatchObject({ state: 'allocated', readyAtMs: 5, ip: '10.2.2.2', providerId: 'd1' });
      });

      it('transitionServer() returns null and changes nothing on a lost race', async () => {
        const s = makeServer({ state: 'allocated' });
        await store.insertServer(s);
        expect(await store.transitionServer(s.id, ['ready'], 'shutdown', { reason: 'x' }, T0 + 1)).toBeNull();
        expect(await store.transitionServer('missing', ['ready'], 'shutdown', {}, T0 + 1)).toBeNull();
        expect(await store.transitionServer(s.id, [], 'shutdown', {}, T0 + 1)).toBeNull();
        expect(await store.getServer(s.id)).toEqual(s);
      });

      it('only one of many concurrent transitionServer() calls wins', async () => {
        const s = makeServer();
        await store.insertServer(s);
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => store.transitionServer(s.id, ['ready'], 'shutdown', { reason: `r${i}` }, T0 + 1)),
        );
        expect(results.filter((r) => r !== null)).toHaveLength(1);
      });

      it('patchServer() updates fields without touching state, only in the given states', async () => {
        const s = makeServer({ state: 'allocated', players: 1 });
        await store.insertServer(s);
        const p = await store.patchServer(s.id, ['allocated'], { players: 4, lastHeartbeatAtMs: T0 + 9 }, T0 + 9);
        expect(p).toEqual({ ...s, players: 4, lastHeartbeatAtMs: T0 + 9, updatedAtMs: T0 + 9 });
        expect(await store.patchServer(s.id, ['ready'], { players: 0 }, T0 + 10)).toBeNull();
        expect((await store.getServer(s.id))?.players).toBe(4);
      });

      it('claimReadyServer() takes the longest-ready idle server and marks it allocated', async () => {
        const young = makeServer({ readyAtMs: T0 + 5 });
        const old = makeServer({ readyAtMs: T0 + 1 });
        const busy = makeServer({ readyAtMs: T0, players: 2 });
        const starting = makeServer({ readyAtMs: null, state: 'starting' });
        for (const s of [young, old, busy, starting]) await store.insertServer(s);
        const first = await store.claimReadyServer(T0 + 100);
        expect(first).toEqual({ ...old, state: 'allocated', updatedAtMs: T0 + 100, stateChangedAtMs: T0 + 100 });
        expect((await store.claimReadyServer(T0 + 100))?.id).toBe(young.id);
        expect(await store.claimReadyServer(T0 + 100)).toBeNull();
        expect((await store.getServer(busy.id))?.state).toBe('ready');
      });
    });

    describe('sessions', () => {
      it('insertSession() and getSession() round-trip, fresh as a boolean', async () => {
        const srv = makeServer({ state: 'allocated' });
        await store.insertServer(srv);
        const s = makeSession({ state: 'active', serverId: srv.id, activatedAtMs: T0 + 1, lastPlayedAtMs: T0 + 2, fresh: true });
        expect(await store.insertSession(s)).toBe(true);
        expect(await store.getSession(s.id)).toEqual(s);
        const p = makeSession();
        expect(await store.insertSession(p)).toBe(true);
        expect(await store.getSession(p.id)).toEqual(p);
        expect(await store.getSession('nope')).toBeNull();
      });

      it('a code is unique among live sessions; an ended session frees it', async () => {
        const a = makeSession({ code: 'QWERTY' });
        expect(await store.insertSession(a)).toBe(true);
        expect(await store.insertSession(makeSession({ code: 'QWERTY' }))).toBe(false);
        expect(await store.countSessions(['pending'])).toBe(1);
        await store.endSession(a.id, ['pending'], 'cancelled', T0 + 1);
        const b = makeSession({ code: 'QWERTY' });
        expect(await store.insertSession(b)).toBe(true);
        expect((await store.findLiveSessionByCode('QWERTY'))?.id).toBe(b.id);
      });

      it('a code taken inside a transaction does not abort it', async () => {
        await store.insertSession(makeSession({ code: 'TAKEN1' }));
        const other = makeSession({ code: 'FREE01' });
        await store.transaction(async (tx) => {
          expect(await tx.insertSession(makeSession({ code: 'TAKEN1' }))).toBe(false);
          expect(await tx.insertSession(other)).toBe(true);
        });
        expect(await store.getSession(other.id)).not.toBeNull();
      });

      it('a server holds at most one live session', async () => {
        const srv = makeServer({ state: 'allocated' });
        await store.insertServer(srv);
        const a = makeSession({ state: 'active', serverId: srv.id });
        await store.insertSession(a);
        await expect(store.insertSession(makeSession({ state: 'active', serverId: srv.id }))).rejects.toThrow(/live session/);
        expect((await store.findLiveSessionByServer(srv.id))?.id).toBe(a.id);
        await store.endSession(a.id, ['active'], 'server_ended', T0 + 1);
        expect(await store.findLiveSessionByServer(srv.id)).toBeNull();
        expect(await store.insertSession(makeSession({ state: 'active', serverId: srv.id }))).toBe(true);
      });

      it('findJoinAddress() answers only for active sessions', async () => {
        const srv = makeServer({ state: 'allocated', ip: '10.3.3.3' });
        await store.insertServer(srv);
        const s = makeSession({ code: 'JOINME', state: 'active', serverId: srv.id });
        await store.insertSession(s);
        await store.insertSession(makeSession({ code: 'WAITNG' }));
        expect(await store.findJoinAddress('JOINME')).toBe('10.3.3.3');
        expect(await store.findJoinAddress('WAITNG')).toBeNull();
        expect(await store.findJoinAddress('NOSUCH')).toBeNull();
        await store.endSession(s.id, ['active'], 'idle', T0 + 1);
        expect(await store.findJoinAddress('JOINME')).toBeNull();
      });

      it('listSessions() and countSessions() filter by state, oldest first', async () => {
        const a = makeSession({ createdAtMs: T0 + 2 });
        const b = makeSession({ createdAtMs: T0 + 1 });
        const c = makeSession({ createdAtMs: T0 + 3, state: 'ended', endedAtMs: T0 + 4, endReason: 'cancelled' });
        for (const s of [a, b, c]) await store.insertSession(s);
        expect((await store.listSessions(['pending'])).map((s) => s.id)).toEqual([b.id, a.id]);
        expect(await store.listSessions(['ended'])).toEqual([c]);
        expect(await store.listSessions([])).toEqual([]);
        expect(await store.countSessions(['pending', 'ended'])).toBe(3);
        expect(await store.countSessions([])).toBe(0);
      });

      it('assignOldestPending() activates the oldest pending session on the server', async () => {
        const srv = makeServer({ state: 'allocated' });
        await store.insertServer(srv);
        expect(await store.assignOldestPending(srv.id, T0 + 1)).toBeNull();
        const young = makeSession({ createdAtMs: T0 + 2 });
        const old = makeSession({ createdAtMs: T0 + 1, fresh: true });
        await store.insertSession(young);
        await store.insertSession(old);
        const got = await store.assignOldestPending(srv.id, T0 + 50);
        expect(got).toEqual({ ...old, state: 'active', serverId: srv.id, activatedAtMs: T0 + 50, lastPlayedAtMs: T0 + 50 });
        // The server is taken now: the next pending session waits for another server.
        expect(await store.assignOldestPending(srv.id, T0 + 51)).toBeNull();
        expect((await store.getSession(young.id))?.state).toBe('pending');
      });

      it('endSession() ends from the given states only', async () => {
        const s = makeSession();
        await store.insertSession(s);
        expect(await store.endSession(s.id, ['active'], 'idle', T0 + 1)).toBeNull();
        const ended = await store.endSession(s.id, ['pending', 'active'], 'start_timeout', T0 + 2);
        expect(ended).toEqual({ ...s, state: 'ended', endedAtMs: T0 + 2, endReason: 'start_timeout' });
        expect(await store.endSession(s.id, ['pending', 'active'], 'idle', T0 + 3)).toBeNull();
      });

      it('touchSessionPlayed() moves the idle clock of the live session only', async () => {
        const srv = makeServer({ state: 'allocated' });
        await store.insertServer(srv);
        const old = makeSession({ state: 'ended', serverId: srv.id, lastPlayedAtMs: T0, endedAtMs: T0, endReason: 'idle' });
        const live = makeSession({ state: 'active', serverId: srv.id, lastPlayedAtMs: T0 });
        await store.insertSession(old);
        await store.insertSession(live);
        await store.touchSessionPlayed(srv.id, T0 + 77);
        expect((await store.getSession(live.id))?.lastPlayedAtMs).toBe(T0 + 77);
        expect((await store.getSession(old.id))?.lastPlayedAtMs).toBe(T0);
      });
    });

    describe('idempotency, replay cache, counters, meta', () => {
      it('an idempotency key names the first session until it expires', async () => {
        expect(await store.getIdempotentSession('k', T0)).toBeNull();
        expect(await store.putIdempotencyKey('k', 'a', T0, T0 + 100)).toBe('a');
        expect(await store.putIdempotencyKey('k', 'b', T0 + 1, T0 + 101)).toBe('a');
        expect(await store.getIdempotentSession('k', T0 + 99)).toBe('a');
        expect(await store.getIdempotentSession('k', T0 + 100)).toBeNull();
        expect(await store.putIdempotencyKey('k', 'c', T0 + 100, T0 + 200)).toBe('c');
        expect(await store.getIdempotentSession('k', T0 + 150)).toBe('c');
      });

      it('rememberSignature() reports replays until the entry expires', async () => {
        expect(await store.rememberSignature('sig', T0, T0 + 10)).toBe(true);
        expect(await store.rememberSignature('sig', T0 + 9, T0 + 19)).toBe(false);
        expect(await store.rememberSignature('other', T0 + 9, T0 + 19)).toBe(true);
        expect(await store.rememberSignature('sig', T0 + 10, T0 + 20)).toBe(true);
        expect(await store.rememberSignature('sig', T0 + 19, T0 + 29)).toBe(false);
      });

      it('hitCounter() counts per fixed window; peekCounter() reads without counting', async () => {
        const w = 60_000;
        const start = Math.floor(T0 / w) * w;
        expect(await store.peekCounter('ip:1', w, start)).toBe(0);
        expect(await store.hitCounter('ip:1', w, start)).toBe(1);
        expect(await store.hitCounter('ip:1', w, start + w - 1, 5)).toBe(6);
        expect(await store.hitCounter('ip:2', w, start)).toBe(1);
        expect(await store.peekCounter('ip:1', w, start + 10)).toBe(6);
        expect(await store.peekCounter('ip:1', w, start + w)).toBe(0);
        expect(await store.hitCounter('ip:1', w, start + w)).toBe(1);
      });

      it('purgeExpired() drops expired entries of every kind and keeps the rest', async () => {
        await store.putIdempotencyKey('old', 's', T0, T0 + 10);
        await store.putIdempotencyKey('new', 's', T0, T0 + 1000);
        await store.rememberSignature('old', T0, T0 + 10);
        await store.rememberSignature('new', T0, T0 + 1000);
        await store.hitCounter('short', 10, T0); // its window ends by T0 + 10
        await store.hitCounter('long', 100_000, T0 + 20);
        expect(await store.purgeExpired(T0 + 20)).toBe(3);
        expect(await store.getIdempotentSession('new', T0 + 20)).toBe('s');
        expect(await store.rememberSignature('new', T0 + 20, T0 + 30)).toBe(false);
        expect(await store.peekCounter('long', 100_000, T0 + 20)).toBe(1);
        expect(await store.purgeExpired(T0 + 20)).toBe(0);
      });

      it('setMetaIfAbsent() keeps the first value', async () => {
        expect(await store.getMeta('secret')).toBeNull();
        expect(await store.setMetaIfAbsent('secret', 'one')).toBe('one');
        expect(await store.setMetaIfAbsent('secret', 'two')).toBe('one');
        expect(await store.getMeta('secret')).toBe('one');
      });
    });

    describe('transactions', () => {
      it('commits on success and rolls back on a throw; nested calls join the outer one', async () => {
        const kept = makeServer();
        const dropped = makeServer();
        await store.transaction(async (tx) => {
          await tx.insertServer(kept);
          await tx.transaction(async (inner) => inner.setMetaIfAbsent('k', 'v'));
        });
        await expect(
          store.transaction(async (tx) => {
            await tx.insertServer(dropped);
            await tx.transaction(async (inner) => inner.setMetaIfAbsent('k2', 'v'));
            throw new Error('boom');
          }),
        ).rejects.toThrow('boom');
        expect(await store.getServer(kept.id)).not.toBeNull();
        expect(await store.getMeta('k')).toBe('v');
        expect(await store.getServer(dropped.id)).toBeNull();
        expect(await store.getMeta('k2')).toBeNull();
      });

      it('lockCapacity() serialises capacity decisions; outside a transaction it is refused', async () => {
        await expect(store.lockCapacity()).rejects.toThrow(/inside transaction/);
        const made = await Promise.all(
          Array.from({ length: 10 }, () =>
            store.transaction(async (tx) => {
              await tx.lockCapacity();
              if ((await tx.countServers(['creating'])) >= 3) return false;
              await tx.insertServer(makeServer({ state: 'creating' }));
              return true;
            }),
          ),
        );
        expect(made.filter(Boolean)).toHaveLength(3);
        expect(await store.countServers(['creating'])).toBe(3);
      });
    });

    describe('concurrency', () => {
      async function readyServers(n: number): Promise<void> {
        for (let i = 0; i < n; i++) await store.insertServer(makeServer({ readyAtMs: T0 + i }));
      }

      it('100 concurrent claimReadyServer() over 100 ready servers take 100 distinct servers', async () => {
        await readyServers(100);
        const got = await Promise.all(Array.from({ length: 100 }, () => store.claimReadyServer(T0 + 1000)));
        expect(got.every((s) => s !== null)).toBe(true);
        expect(new Set(got.map((s) => s?.id)).size).toBe(100);
        expect(await store.countServers(['allocated'])).toBe(100);
      });

      it('50 concurrent claimReadyServer() over 10 ready servers: exactly 10 win', async () => {
        await readyServers(10);
        const got = await Promise.all(Array.from({ length: 50 }, () => store.claimReadyServer(T0 + 1000)));
        const wins = got.filter((s) => s !== null);
        expect(wins).toHaveLength(10);
        expect(new Set(wins.map((s) => s?.id)).size).toBe(10);
      });

      async function serversAndPending(servers: number, pending: number): Promise<string[]> {
        const ids: string[] = [];
        for (let i = 0; i < servers; i++) {
          const s = makeServer({ state: 'allocated' });
          await store.insertServer(s);
          ids.push(s.id);
        }
        for (let i = 0; i < pending; i++) await store.insertSession(makeSession({ createdAtMs: T0 + i }));
        return ids;
      }

      it('100 concurrent assignOldestPending() over 100 pending sessions assign 100 distinct sessions', async () => {
        const servers = await serversAndPending(100, 100);
        const got = await Promise.all(servers.map((id) => store.assignOldestPending(id, T0 + 1000)));
        expect(got.every((s) => s !== null)).toBe(true);
        expect(new Set(got.map((s) => s?.id)).size).toBe(100);
        expect(await store.countSessions(['pending'])).toBe(0);
      });

      it('50 concurrent assignOldestPending() over 10 pending sessions: exactly 10 win', async () => {
        const servers = await serversAndPending(50, 10);
        const got = await Promise.all(servers.map((id) => store.assignOldestPending(id, T0 + 1000)));
        const wins = got.filter((s) => s !== null);
        expect(wins).toHaveLength(10);
        expect(new Set(wins.map((s) => s?.id)).size).toBe(10);
        expect(new Set(wins.map((s) => s?.serverId)).size).toBe(10);
      });

      it('concurrent hitCounter() increments add up', async () => {
        const counts = await Promise.all(Array.from({ length: 100 }, () => store.hitCounter('hot', 60_000, T0)));
        expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
        expect(await store.peekCounter('hot', 60_000, T0)).toBe(100);
      });

      it('racing putIdempotencyKey() calls agree on one winner', async () => {
        const named = await Promise.all(Array.from({ length: 30 }, (_, i) => store.putIdempotencyKey('race', `s${i}`, T0, T0 + 1000)));
        expect(new Set(named).size).toBe(1);
        expect(await store.getIdempotentSession('race', T0)).toBe(named[0]);
      });

      it('racing rememberSignature() calls: exactly one sees the signature as new', async () => {
        const fresh = await Promise.all(Array.from({ length: 30 }, () => store.rememberSignature('same', T0, T0 + 1000)));
        expect(fresh.filter(Boolean)).toHaveLength(1);
      });

      if (kind === 'postgres') {
        it('claimReadyServer() skips a server another transaction is claiming instead of waiting', async () => {
          await readyServers(2);
          await store.transaction(async (tx) => {
            const mine = await tx.claimReadyServer(T0 + 1);
            // Without SKIP LOCKED this would wait for our lock forever: bound it instead.
            const theirs = await Promise.race([
              store.claimReadyServer(T0 + 1),
              new Promise<never>((_, reject) => setTimeout(() => reject(new Error('claim blocked on a locked row')), 2000)),
            ]);
            expect(mine).not.toBeNull();
            expect(theirs).not.toBeNull();
            expect(theirs?.id).not.toBe(mine?.id);
          });
        });
      }
    });
  });
}
