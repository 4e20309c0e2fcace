import { randomUUID } from 'node:crypto';
import { afterEach, expect, it } from 'vitest';
import type { Server } from '../../src/domain/server.js';
import { BootWatcher } from '../../src/reconcile/index.js';
import { silentLog } from '../../src/util/log.js';
import { harness, type Harness } from './harness.js';

/** BootWatcher.look() over the real store (SQLite) and the counting in-memory provider. */
let h: Harness;
afterEach(async () => {
  await h?.close();
});

function watcher(h: Harness, o: { maxServers?: number; asked?: () => void } = {}) {
  return new BootWatcher({
    store: h.store,
    provider: h.provider,
    ops: h.ops,
    clock: h.clock,
    log: silentLog,
    pollMs: 100,
    promoteByAddress: true,
    maxServers: () => o.maxServers ?? 10_000,
    reconcileSoon: o.asked ?? (() => {}),
  });
}

async function fleet(h: Harness, n: number): Promise<void> {
  const now = h.clock.now();
  await h.store.transaction(async (tx) => {
    for (let i = 0; i < n; i++) {
      const s: Server = {
        id: randomUUID(),
        state: 'allocated',
        origin: 'digitalocean',
        region: 'local',
        providerId: `f-${i}`,
        ip: `10.8.${i >> 8}.${i & 255}`,
        port: null,
        players: 1,
        createdAtMs: now,
        updatedAtMs: now,
        stateChangedAtMs: now,
        readyAtMs: now,
        lastHeartbeatAtMs: now,
        reason: null,
      };
      await tx.insertServer(s);
      h.provider.machines.set(s.providerId!, {
        providerId: s.providerId!,
        serverId: s.id,
        status: 'active',
        ip: s.ip,
        port: null,
        createdAtMs: now,
        region: null,
      });
    }
  });
}

it('does nothing and calls nobody while nothing boots and nobody waits', async () => {
  h = await harness({ readiness: 'address' });
  await fleet(h, 5);
  let asked = 0;
  expect(await watcher(h, { asked: () => asked++ }).look()).toEqual({
    booting: 0,
    calls: 0,
    promoted: 0,
    askedForPass: false,
  });
  expect(h.provider.calls).toEqual({ list: 0, create: 0, delete: 0, get: 0 });
  expect(asked).toBe(0);
});

it('promotes a booting server once its machine is up, with one listing for a small fleet', async () => {
  h = await harness({ readiness: 'address', maxServers: 20 });
  h.provider.addressOnCreate = false;
  const [row] = await h.store.transaction((tx) => h.ops.reserve(tx, 1, 'local'));
  await h.ops.launch(row!);
  const w = watcher(h);
  expect(await w.look()).toMatchObject({ booting: 1, calls: 1, promoted: 0 });
  const m = [...h.provider.machines.values()].find((x) => x.serverId === row!.id)!;
  h.provider.machines.set(m.providerId, { ...m, status: 'active', ip: '10.9.9.9' });
  h.provider.calls.list = 0;
  expect(await w.look()).toMatchObject({ booting: 1, calls: 1, promoted: 1 });
  expect(h.provider.calls.list).toBe(1);
  expect(h.provider.calls.get).toBe(0);
  expect(await h.store.getServer(row!.id)).toMatchObject({ state: 'ready', ip: '10.9.9.9' });
});

it('with a fleet of several listing pages, GETs the one booting machine instead of listing them all', async () => {
  h = await harness({ readiness: 'address', maxServers: 1000 });
  await fleet(h, 450);
  h.provider.addressOnCreate = false;
  const [row] = await h.store.transaction((tx) => h.ops.reserve(tx, 1, 'local'));
  await h.ops.launch(row!);
  const m = [...h.provider.machines.values()].find((x) => x.serverId === row!.id)!;
  h.provider.machines.set(m.providerId, { ...m, status: 'active', ip: '10.9.9.8' });
  h.provider.calls.list = h.provider.calls.get = 0;
  expect(await watcher(h).look()).toMatchObject({ booting: 1, calls: 1, promoted: 1 });
  expect(h.provider.calls).toMatchObject({ list: 0, get: 1 });
});

it('asks for a pass when a start waits with no server on the way and room below MAX_SERVERS, not at the cap', async () => {
  h = await harness({ readiness: 'heartbeat', maxServers: 3 });
  await fleet(h, 3);
  await h.store.insertSession({
    id: randomUUID(),
    code: 'PEND01',
    state: 'pending',
    serverId: null,
    createdAtMs: h.clock.now(),
    activatedAtMs: null,
    endedAtMs: null,
    endReason: null,
    lastPlayedAtMs: null,
    coldStart: true,
    region: 'local',
    placement: null,
  });
  let asked = 0;
  expect((await watcher(h, { maxServers: 3, asked: () => asked++ }).look()).askedForPass).toBe(false);
  expect((await watcher(h, { maxServers: 4, asked: () => asked++ }).look()).askedForPass).toBe(true);
  expect(asked).toBe(1);
});
