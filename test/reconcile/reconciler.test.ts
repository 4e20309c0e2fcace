import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { EndReason } from '../../src/domain/session.js';
import { harness, type Harness } from './harness.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

describe('Reconciler over SQLite: machines and rows', () => {
  it('adopts a machine whose row is still creating (crash between create and record)', async () => {
    h = await harness({ readiness: 'address', poolMinReady: 1 });
    const [row] = await h.store.transaction((tx) => h.ops.reserve(tx, 1, 'local'));
    const m = h.provider.plant({ serverId: row!.id });
    const r = await h.reconciler.runPass();
    expect(r.applied.done.adopt).toBe(1);
    expect(await h.server(row!.id)).toMatchObject({ state: 'ready', providerId: m.providerId, ip: m.ip });
    expect(h.provider.machines.has(m.providerId)).toBe(true);
  });

  it('deletes an orphan machine only after the grace', async () => {
    h = await harness({ orphanGraceS: 120 });
    const m = h.provider.plant();
    await h.reconciler.runPass();
    expect(h.provider.machines.has(m.providerId)).toBe(true);
    h.clock.advance(121_000);
    const r = await h.reconciler.runPass();
    expect(r.applied.done.deleteOrphan).toBe(1);
    expect(h.provider.machines.has(m.providerId)).toBe(false);
  });

  it('an orphan whose row appears after the snapshot is not deleted (ownership re-check)', async () => {
    h = await harness({ orphanGraceS: 0 });
    const id = randomUUID();
    const m = h.provider.plant({ serverId: id, createdAtMs: h.clock.now() - 1000 });
    // The row lands between the pass's store load and its list(): a start racing the pass.
    const origList = h.provider.list.bind(h.provider);
    h.provider.list = async () => {
      const [row] = await h.store.transaction((tx) => h.ops.reserve(tx, 1, 'local'));
      await h.store.transaction(async (tx) => {
        await tx.transitionServer(row!.id, ['creating'], 'deleted', {}, h.clock.now());
        await tx.insertServer({ ...row!, id });
      });
      h.provider.list = origList;
      return origList();
    };
    const r = await h.reconciler.runPass();
    expect(r.planned?.deleteOrphan).toBe(1);
    expect(r.applied.done.deleteOrphan ?? 0).toBe(0);
    expect(h.provider.machines.has(m.providerId)).toBe(true);
    await h.reconciler.runPass();
    expect(await h.server(id)).toMatchObject({ state: 'starting', providerId: m.providerId });
  });

  it('a machine that vanished ends its session (server_lost) and the row is deleted', async () => {
    h = await harness();
    const s = await h.readyServer();
    const { session } = await h.service.start();
    expect(session.serverId).toBe(s.id);
    h.provider.machines.delete(s.providerId!);
    h.provider.resetCalls();
    const r = await h.reconciler.runPass();
    // Asked by id first (404), then lost.
    expect(r.applied.done.lookup).toBe(1);
    expect(h.provider.calls.get).toBe(1);
    expect(await h.server(s.id)).toMatchObject({ state: 'deleted', reason: 'machine gone (looked up by id)' });
    expect(await h.store.getSession(session.id)).toMatchObject({ state: 'ended', endReason: 'server_lost' });
    expect(h.provider.calls.delete).toBe(0);
  });

  it('a machine the listing lacks but get() finds is never forgotten: without adopt() it is deleted', async () => {
    h = await harness();
    const s = await h.readyServer();
    const { session } = await h.service.start();
    h.provider.unlisted.add(s.providerId!);
    await h.reconciler.runPass();
    expect(await h.server(s.id)).toMatchObject({ state: 'shutdown' });
    expect(await h.store.getSession(session.id)).toMatchObject({ state: 'ended', endReason: 'server_lost' });
    h.clock.advance(h.settings.reconcileIntervalS * 1000);
    await h.reconciler.runPass();
    expect(h.provider.machines.has(s.providerId!)).toBe(false);
    expect(await h.server(s.id)).toMatchObject({ state: 'deleted' });
  });

  it('a failing list() marks nothing lost and deletes no orphan, but idle sessions still end', async () => {
    h = await harness({ sessionIdleTimeoutS: 5, orphanGraceS: 0, poolMinReady: 2 });
    const lost = await h.readyServer();
    const idle = await h.readyServer();
    const a = await h.service.start();
    const b = await h.service.start();
    await h.service.heartbeat({ serverId: lost.id }, lost.ip!, 3);
    const orphan = h.provider.plant({ createdAtMs: 0 });
    h.provider.machines.delete(lost.providerId!);
    h.provider.listFails = true;
    h.provider.resetCalls();
    h.clock.advance(6_000);
    const r = await h.reconciler.runPass();
    expect(r).toMatchObject({ listed: false, error: expect.stringContaining('list failed') });
    expect(await h.server(lost.id)).toMatchObject({ state: 'allocated' });
    expect(h.provider.machines.has(orphan.providerId)).toBe(true);
    const sessions = [await h.store.getSession(a.session.id), await h.store.getSession(b.session.id)];
    const onIdle = sessions.find((x) => x?.serverId === idle.id);
    const onLost = sessions.find((x) => x?.serverId === lost.id);
    expect(onIdle).toMatchObject({ state: 'ended', endReason: 'idle' });
    expect(onLost).toMatchObject({ state: 'active' });
    // The idle server is torn down by its known id; no creates while the provider cannot list.
    expect(h.provider.calls).toMatchObject({ list: 1, create: 0, delete: 1 });
    expect(h.reconciler.status().lastError).toMatch(/list failed/);
  });
});

describe('Reconciler over SQLite: health and sessions', () => {
  it('boot timeout: a server never ready is shut down and deleted in one pass', async () => {
    h = await harness({ bootTimeoutS: 60 });
    const [row] = await h.store.transaction((tx) => h.ops.reserve(tx, 1, 'local'));
    await h.ops.launch(row!);
    expect(await h.server(row!.id)).toMatchObject({ state: 'starting' });
    h.clock.advance(61_000);
    const r = await h.reconciler.runPass();
    expect(r.applied.done).toMatchObject({ bootTimeout: 1, shutdown: 1, teardown: 1 });
    expect(await h.server(row!.id)).toMatchObject({
      state: 'deleted',
      reason: expect.stringContaining('boot timeout'),
    });
    expect(h.provider.machines.size).toBe(0);
  });

  it("a server a game just ended is deleted once: the pass leaves it to the end's delete, and joins it if still in flight", async () => {
    h = await harness();
    const s = await h.readyServer();
    await h.service.start();
    let release!: () => void;
    h.provider.deleteGate = new Promise((r) => (release = r));
    h.provider.resetCalls();
    // The game ends: its row is shut down and the end's own delete is under way (held at the provider).
    const ended = await h.store.transaction(async (tx) => {
      const live = await tx.findLiveSessionByServer(s.id);
      return h.ops.endSession(tx, live!, EndReason.ServerEnded);
    });
    expect(ended?.server?.state).toBe('shutdown');
    const byEnd = h.ops.teardown(ended!.server!);
    // A pass within the handoff asks nothing of the provider.
    await h.reconciler.runPass();
    expect(h.provider.calls.delete).toBe(1);
    // A pass after it, while the end's delete still waits, shares that delete instead of asking again.
    h.clock.advance(h.settings.teardownHandoffS * 1000);
    const pass = h.reconciler.runPass();
    await new Promise((r) => setTimeout(r, 50));
    release();
    expect(await byEnd).toBe(true);
    await pass;
    expect(h.provider.calls.delete).toBe(1);
    expect(await h.server(s.id)).toMatchObject({ state: 'deleted' });
  });

  it('heartbeat loss: the server is deleted and its session ends server_lost', async () => {
    h = await harness({ heartbeatPeriodS: 10, heartbeatFailureThreshold: 3, sessionIdleTimeoutS: 3600 });
    const s = await h.readyServer();
    const { session } = await h.service.start();
    await h.service.heartbeat({ serverId: s.id }, s.ip!, 2);
    h.clock.advance(29_000);
    await h.reconciler.runPass();
    expect(await h.server(s.id)).toMatchObject({ state: 'allocated' });
    h.clock.advance(1_000);
    const r = await h.reconciler.runPass();
    expect(r.applied.done).toMatchObject({ heartbeatLost: 1, shutdown: 1, teardown: 1 });
    expect(await h.server(s.id)).toMatchObject({ state: 'deleted' });
    expect(await h.store.getSession(session.id)).toMatchObject({ state: 'ended', endReason: 'server_lost' });
    expect(h.provider.machines.size).toBe(0);
  });

  it('a heartbeat that lands after the snapshot wins: no reaping, no idle end', async () => {
    h = await harness({ heartbeatPeriodS: 10, heartbeatFailureThreshold: 3, sessionIdleTimeoutS: 5 });
    const s = await h.readyServer();
    const { session } = await h.service.start();
    h.clock.advance(31_000);
    const list = h.provider.list.bind(h.provider);
    h.provider.list = async () => {
      await h.service.heartbeat({ serverId: s.id }, s.ip!, 4);
      return list();
    };
    const r = await h.reconciler.runPass();
    expect(r.planned).toMatchObject({ heartbeatLost: 1 });
    expect(r.applied.done).toEqual({});
    expect(await h.server(s.id)).toMatchObject({ state: 'allocated', players: 4 });
    expect(await h.store.getSession(session.id)).toMatchObject({ state: 'active' });
    h.provider.list = list;
    h.clock.advance(6_000);
    await h.service.heartbeat({ serverId: s.id }, s.ip!, 0);
    h.provider.list = async () => {
      await h.service.heartbeat({ serverId: s.id }, s.ip!, 2);
      return list();
    };
    const idle = await h.reconciler.runPass();
    expect(idle.planned).toMatchObject({ endSession: 1 });
    expect(idle.applied.done).toEqual({});
    expect(await h.store.getSession(session.id)).toMatchObject({ state: 'active' });
  });

  it('outage guard: every server silent at once pauses reaping and says so', async () => {
    h = await harness({ heartbeatPeriodS: 10, heartbeatFailureThreshold: 3 });
    const servers = [await h.readyServer(1), await h.readyServer(1), await h.readyServer(1)];
    h.clock.advance(60_000);
    const r = await h.reconciler.runPass();
    expect(r.outage).toMatchObject({ silent: 3, heartbeating: 3 });
    expect(h.reconciler.status().outage).toMatchObject({ paused: true, reason: expect.stringContaining('3 of 3') });
    for (const s of servers) expect((await h.server(s.id)).state).toBe('ready');
    for (const s of servers) await h.service.heartbeat({ serverId: s.id }, s.ip!, 1);
    await h.reconciler.runPass();
    expect(h.reconciler.status().outage).toBeNull();
  });

  it('idle session end: the server is deleted', async () => {
    h = await harness({ sessionIdleTimeoutS: 5 });
    const s = await h.readyServer();
    const { session } = await h.service.start();
    h.clock.advance(6_000);
    const r = await h.reconciler.runPass();
    expect(r.applied.done).toMatchObject({ endSession: 1, teardown: 1 });
    expect(await h.store.getSession(session.id)).toMatchObject({ state: 'ended', endReason: 'idle' });
    expect(await h.server(s.id)).toMatchObject({ state: 'deleted' });
    expect(h.provider.machines.size).toBe(0);
  });

  it('idle session end with RECYCLE_SERVERS: the server goes back to the pool and is handed out again', async () => {
    h = await harness({ sessionIdleTimeoutS: 5, recycleServers: true, poolMinReady: 1 });
    const s = await h.readyServer();
    const first = await h.service.start();
    h.clock.advance(6_000);
    await h.reconciler.runPass();
    expect(await h.store.getSession(first.session.id)).toMatchObject({ state: 'ended', endReason: 'idle' });
    expect(await h.server(s.id)).toMatchObject({ state: 'ready', players: 0 });
    expect(h.provider.machines.has(s.providerId!)).toBe(true);
    const second = await h.service.start();
    expect(second.server.id).toBe(s.id);
  });

  it('a pending session whose start crashed is ended after startTimeoutS × 2', async () => {
    h = await harness({ startTimeoutS: 10, maxServers: 0 });
    const p = await h.pendingSession();
    h.clock.advance(21_000);
    await h.reconciler.runPass();
    expect(await h.store.getSession(p.id)).toMatchObject({ state: 'ended', endReason: 'start_timeout' });
  });

  it('a ready server is offered to a waiting session', async () => {
    h = await harness({ maxServers: 1 });
    const p = await h.pendingSession();
    const s = await h.readyServer();
    // The heartbeat that made it ready already offered it; put it back to test the pass's offer.
    await h.store.transaction(async (tx) => {
      await tx.endSession(p.id, ['active'], 'cancelled', h.clock.now());
      await tx.transitionServer(s.id, ['allocated'], 'ready', {}, h.clock.now());
    });
    const q = await h.pendingSession();
    const r = await h.reconciler.runPass();
    expect(r.applied.done.offer).toBe(1);
    expect(await h.store.getSession(q.id)).toMatchObject({ state: 'active', serverId: s.id });
  });
});
