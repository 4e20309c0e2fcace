import { afterEach, describe, expect, it, vi } from 'vitest';
import { harness, type Harness } from './harness.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

describe('Reconciler over SQLite: the pool and the caps', () => {
  it('fills the pool to POOL_MIN_READY, then shrinks it when the pool is lowered', async () => {
    h = await harness({ readiness: 'address', poolMinReady: 3 });
    const r = await h.reconciler.runPass();
    expect(r.applied.done.create).toBe(3);
    expect(await h.store.countServers(['ready'])).toBe(3);
    expect(h.provider.calls).toMatchObject({ list: 1, create: 3, delete: 0 });
    const again = await h.reconciler.runPass();
    expect(again.applied.done).toEqual({});

    const smaller = h.withSettings({ poolMinReady: 1 });
    h.provider.resetCalls();
    const shrink = await smaller.runPass();
    expect(shrink.applied.done).toMatchObject({ deleteIdle: 2, teardown: 2 });
    expect(h.provider.calls).toMatchObject({ list: 1, create: 0, delete: 2 });
    expect(await h.store.countServers(['ready'])).toBe(1);
    expect(h.provider.machines.size).toBe(1);

    const zero = h.withSettings({ poolMinReady: 0 });
    await zero.runPass();
    expect(await h.liveMade()).toBe(0);
    expect(h.provider.machines.size).toBe(0);
  });

  it('MAX_SERVERS is never passed with 200 pending sessions, creates capped per pass', async () => {
    h = await harness({ readiness: 'address', maxServers: 10, maxCreatesPerPass: 4 });
    for (let i = 0; i < 200; i++) await h.pendingSession();
    const seen: number[] = [];
    for (let i = 0; i < 6; i++) {
      h.provider.resetCalls();
      const r = await h.reconciler.runPass();
      seen.push(await h.liveMade());
      expect(h.provider.calls.list).toBe(1);
      expect(h.provider.calls.create).toBe(r.applied.done.create ?? 0);
      expect(h.provider.calls.create).toBeLessThanOrEqual(4);
    }
    expect(seen).toEqual([4, 8, 10, 10, 10, 10]);
    expect(h.provider.machines.size).toBe(10);
    expect(await h.store.countSessions(['active'])).toBe(10);
    expect(await h.store.countSessions(['pending'])).toBe(190);
  });

  it('starts and passes racing for capacity never pass MAX_SERVERS together', async () => {
    h = await harness({
      readiness: 'heartbeat',
      maxServers: 5,
      maxCreatesPerPass: 5,
      poolMinReady: 5,
      startTimeoutS: 1,
    });
    h.provider.addressOnCreate = false;
    const starts = Array.from({ length: 20 }, () => h.service.start().catch(() => null));
    await Promise.all([h.reconciler.runPass(), h.reconciler.runPass()]);
    expect(await h.liveMade()).toBeLessThanOrEqual(5);
    expect(h.provider.machines.size).toBeLessThanOrEqual(5);
    // Let the waiting starts give up.
    for (let i = 0; i < 5; i++) {
      h.clock.advance(1_000);
      await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all(starts);
    expect(await h.liveMade()).toBeLessThanOrEqual(5);
  });

  it('the hard cap is checked again inside the create transaction (starts reserved meanwhile)', async () => {
    h = await harness({ maxServers: 5, poolMinReady: 5 });
    const list = h.provider.list.bind(h.provider);
    h.provider.list = async () => {
      // Three starts reserve servers after the pass loaded the store.
      await h.store.transaction((tx) => h.ops.reserve(tx, 3, 'local'));
      return list();
    };
    const r = await h.reconciler.runPass();
    expect(r.planned?.create).toBe(5);
    expect(r.applied.done.create).toBe(2);
    expect(await h.liveMade()).toBe(5);
  });

  it('never deletes the machine of an idle server a start claimed after the plan (ownership re-check)', async () => {
    h = await harness({ poolMinReady: 0 });
    const s = await h.readyServer();
    let claimed = null as Promise<unknown> | null;
    const list = h.provider.list.bind(h.provider);
    h.provider.list = async () => {
      const machines = await list();
      claimed = h.service.start(); // queued before the pass's own transactions
      return machines;
    };
    const r = await h.reconciler.runPass();
    await claimed;
    expect(r.planned).toMatchObject({ deleteIdle: 1, teardown: 1 });
    expect(r.applied.done.teardown ?? 0).toBe(0);
    expect(await h.server(s.id)).toMatchObject({ state: 'allocated' });
    expect(h.provider.machines.has(s.providerId!)).toBe(true);
    expect(h.provider.calls.delete).toBe(0);
  });

  it('an idle server that reports players after the snapshot is not retired', async () => {
    h = await harness({ poolMinReady: 0 });
    const s = await h.readyServer();
    const list = h.provider.list.bind(h.provider);
    h.provider.list = async () => {
      await h.service.heartbeat({ serverId: s.id }, s.ip!, 3);
      return list();
    };
    const r = await h.reconciler.runPass();
    expect(r.planned).toMatchObject({ deleteIdle: 1 });
    expect(await h.server(s.id)).toMatchObject({ state: 'ready', players: 3 });
    expect(h.provider.calls.delete).toBe(0);
  });

  it('deletes are capped per pass and the capped pass reports partial', async () => {
    h = await harness({ orphanGraceS: 0, maxDeletesPerPass: 2 });
    for (let i = 0; i < 5; i++) h.provider.plant({ createdAtMs: 0 });
    const sizes: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await h.reconciler.runPass();
      sizes.push(h.provider.machines.size);
      expect(r.partial).toBe(i < 2);
    }
    expect(sizes).toEqual([3, 1, 0]);
  });

  it('a delete the provider has not confirmed is retried next pass until it is', async () => {
    h = await harness({ sessionIdleTimeoutS: 5 });
    const s = await h.readyServer();
    await h.service.start();
    h.provider.deleteAnswer = 'pending';
    h.clock.advance(6_000);
    await h.reconciler.runPass();
    expect(await h.server(s.id)).toMatchObject({ state: 'shutdown' });
    h.provider.deleteAnswer = 'gone';
    // The next pass, an interval later (past the teardown handoff, which this pass's own shutdown also gets).
    h.clock.advance(h.settings.reconcileIntervalS * 1000);
    await h.reconciler.runPass();
    expect(await h.server(s.id)).toMatchObject({ state: 'deleted' });
    expect(h.provider.machines.size).toBe(0);
  });
});

describe('Reconciler: the loop', () => {
  it('passes never overlap: calls during a pass share one pass after it', async () => {
    h = await harness();
    let open!: () => void;
    h.provider.listGate = new Promise((r) => (open = r));
    const a = h.reconciler.runPass();
    await vi.waitFor(() => expect(h.provider.calls.list).toBe(1));
    const b = h.reconciler.runPass();
    const c = h.reconciler.runPass();
    expect(b).toBe(c);
    open();
    h.provider.listGate = null;
    await Promise.all([a, b, c]);
    expect(h.provider.calls.list).toBe(2);
    expect(h.provider.maxListsInFlight).toBe(1);
    expect(h.passes).toHaveLength(2);
  });

  it('start() runs a pass at once and then every interval on the injected clock', async () => {
    h = await harness({ reconcileIntervalS: 10 });
    h.reconciler.start();
    await vi.waitFor(() => expect(h.passes).toHaveLength(1));
    h.clock.advance(9_999);
    await new Promise((r) => setTimeout(r, 20));
    expect(h.passes).toHaveLength(1);
    h.clock.advance(1);
    await vi.waitFor(() => expect(h.passes).toHaveLength(2));
    await h.reconciler.stop();
    h.clock.advance(60_000);
    await new Promise((r) => setTimeout(r, 20));
    expect(h.passes).toHaveLength(2);
  });

  it('trigger() asks for a pass soon, and many asks during a pass make one more pass', async () => {
    h = await harness({ reconcileIntervalS: 3600 });
    let open!: () => void;
    h.provider.listGate = new Promise((r) => (open = r));
    h.reconciler.start();
    await vi.waitFor(() => expect(h.provider.calls.list).toBe(1));
    for (let i = 0; i < 10; i++) h.reconciler.trigger();
    h.provider.listGate = null;
    open();
    await vi.waitFor(() => expect(h.passes).toHaveLength(2));
    await new Promise((r) => setTimeout(r, 20));
    expect(h.passes).toHaveLength(2);
    h.reconciler.trigger();
    await vi.waitFor(() => expect(h.passes).toHaveLength(3));
    expect(h.reconciler.status()).toMatchObject({ passes: 3, lastError: null });
  });

  it('a capped pass that made progress runs again at once', async () => {
    h = await harness({ readiness: 'address', poolMinReady: 6, maxCreatesPerPass: 2, reconcileIntervalS: 3600 });
    h.reconciler.start();
    await vi.waitFor(() => expect(h.passes.length).toBeGreaterThanOrEqual(3));
    expect(h.passes.slice(0, 3).map((p) => p.partial)).toEqual([true, true, false]);
    expect(await h.store.countServers(['ready'])).toBe(6);
  });

  it('a pass that throws is recorded, never thrown out of the loop', async () => {
    h = await harness({ reconcileIntervalS: 1 });
    const orig = h.store.listServers.bind(h.store);
    h.store.listServers = async () => {
      throw new Error('database is locked');
    };
    h.reconciler.start();
    await vi.waitFor(() => expect(h.passes).toHaveLength(1));
    expect(h.reconciler.status().lastError).toBe('database is locked');
    h.store.listServers = orig;
    h.clock.advance(1_000);
    await vi.waitFor(() => expect(h.passes).toHaveLength(2));
    expect(h.reconciler.status().lastError).toBeNull();
  });
});
