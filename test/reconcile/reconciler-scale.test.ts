import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { afterEach, expect, it } from 'vitest';
import type { Server } from '../../src/domain/server.js';
import type { Session } from '../../src/domain/session.js';
import { computePlan } from '../../src/reconcile/index.js';
import { harness, type Harness } from './harness.js';

const N = 10_000;
let h: Harness;
afterEach(async () => {
  await h?.close();
});

/**
 * A measurement, not a benchmark gate: prints how long one pass takes over 10,000 allocated
 * servers with 10,000 active sessions in SQLite, and what it costs the provider.
 */
it(`measures a pass over ${N} servers and ${N} sessions (prints; no timing assertion)`, async () => {
  h = await harness({ maxServers: 20_000, sessionIdleTimeoutS: 300 });
  const now = h.clock.now();
  await h.store.transaction(async (tx) => {
    for (let i = 0; i < N; i++) {
      const id = randomUUID();
      const server: Server = {
        id,
        state: 'allocated',
        origin: 'digitalocean',
        region: 'local',
        providerId: `d-${i}`,
        ip: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`,
        port: null,
        players: 2,
        createdAtMs: now - 600_000,
        updatedAtMs: now,
        stateChangedAtMs: now,
        readyAtMs: now - 500_000,
        lastHeartbeatAtMs: now - 1_000,
        reason: null,
      };
      await tx.insertServer(server);
      h.provider.machines.set(server.providerId!, {
        providerId: server.providerId!,
        serverId: id,
        status: 'active',
        ip: server.ip,
        port: null,
        createdAtMs: server.createdAtMs,
        region: null,
      });
      // Every 100th session has gone idle: the pass has a little work (100 ends, capped deletes).
      const session: Session = {
        id: randomUUID(),
        code: `C${i.toString(36).toUpperCase().padStart(5, '0')}`,
        state: 'active',
        serverId: id,
        createdAtMs: now - 400_000,
        activatedAtMs: now - 400_000,
        endedAtMs: null,
        endReason: null,
        lastPlayedAtMs: i % 100 === 0 ? now - 301_000 : now - 1_000,
        coldStart: false,
        region: 'local',
        placement: null,
      };
      await tx.insertSession(session);
      if (i % 100 === 0) await tx.patchServer(id, ['allocated'], { players: 0 }, now);
    }
  });

  const servers = await h.store.listServers([
    'creating',
    'starting',
    'ready',
    'allocated',
    'unhealthy',
    'error',
    'shutdown',
  ]);
  const sessions = await h.store.listSessions(['pending', 'active']);
  const t0 = performance.now();
  const plan = computePlan({
    nowMs: h.clock.now(),
    provider: h.provider.name,
    machines: [...h.provider.machines.values()],
    servers,
    sessions,
    settings: h.settings,
  });
  const planMs = performance.now() - t0;
  expect(plan.endSession).toHaveLength(N / 100);

  h.provider.resetCalls();
  const t1 = performance.now();
  const first = await h.reconciler.runPass();
  const firstMs = performance.now() - t1;
  const firstCalls = { ...h.provider.calls };
  h.provider.resetCalls();
  const t2 = performance.now();
  const second = await h.reconciler.runPass();
  const secondMs = performance.now() - t2;
  const secondCalls = { ...h.provider.calls };

  console.log(
    [
      `reconcile scale (${N} servers, ${N} sessions, SQLite :memory:):`,
      `  computePlan alone: ${planMs.toFixed(1)} ms`,
      `  pass 1 (100 idle ends, ${first.applied.done.teardown ?? 0} teardowns): ${firstMs.toFixed(1)} ms, provider calls ${JSON.stringify(firstCalls)}`,
      `  pass 2 (${second.planned?.teardown ?? 0} teardowns left): ${secondMs.toFixed(1)} ms, provider calls ${JSON.stringify(secondCalls)}`,
    ].join('\n'),
  );
  expect(first.applied.done.endSession).toBe(N / 100);
  expect(firstCalls.list).toBe(1);
  expect(firstCalls.create).toBe(0);
  expect(firstCalls.delete).toBe(h.settings.maxDeletesPerPass);
  expect(secondCalls.list).toBe(1);
}, 60_000);
