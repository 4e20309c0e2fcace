import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config.js';
import { LIVE_SERVER_STATES, type Server, type ServerState } from '../src/domain/server.js';
import type { Session } from '../src/domain/session.js';
import { ServerOps } from '../src/fleet/server-ops.js';
import { createStore } from '../src/store/create-db.js';
import type { Store } from '../src/store/store.js';
import { silentLog } from '../src/util/log.js';
import { systemClock } from '../src/util/clock.js';
import { ipAt } from './fixtures.js';
import { MemoryProvider } from './memory-provider.js';

/** What the scale check measured; `lines` is the human summary. */
export interface ScaleResult {
  servers: number;
  sessions: number;
  insertMs: number;
  listMs: number;
  passMs: number[] | null;
  passSummary: unknown;
  rssMiB: number;
  heapUsedMiB: number;
  lines: string[];
}

const N = 10_000;

/** A steady world: every row has its machine, heartbeats are fresh, the pool is at its target. */
async function fill(store: Store, provider: MemoryProvider, nowMs: number): Promise<void> {
  const servers: Server[] = [];
  const sessions: Session[] = [];
  for (let i = 0; i < N; i++) {
    const state: ServerState = i < 7000 ? 'allocated' : i < 9500 ? 'ready' : 'starting';
    const s: Server = {
      id: randomUUID(), state, origin: 'digitalocean', providerId: `m-${i}`, ip: ipAt(100, i), port: null,
      // Starting servers were made 5 s ago: well inside any boot timeout.
      players: state === 'allocated' ? 2 : 0, createdAtMs: nowMs - (state === 'starting' ? 5000 : 60_000), updatedAtMs: nowMs, stateChangedAtMs: nowMs - 5000,
      readyAtMs: state === 'starting' ? null : nowMs - 30_000, lastHeartbeatAtMs: state === 'starting' ? null : nowMs - 1000, reason: null,
    };
    servers.push(s);
    provider.add({ providerId: s.providerId!, serverId: s.id, status: 'active', ip: s.ip, port: null, createdAtMs: s.createdAtMs });
  }
  for (let i = 0; i < N; i++) {
    const active = i < 7000;
    sessions.push({
      id: randomUUID(), code: `S${i.toString(36).toUpperCase().padStart(5, '0')}`, state: active ? 'active' : 'ended',
      serverId: active ? servers[i]!.id : null, createdAtMs: nowMs - 60_000, activatedAtMs: active ? nowMs - 30_000 : null,
      endedAtMs: active ? null : nowMs - 10_000, endReason: active ? null : 'server_ended', lastPlayedAtMs: nowMs - 1000, coldStart: false,
    });
  }
  await store.transaction(async (tx) => {
    for (const s of servers) await tx.insertServer(s);
    for (const s of sessions) await tx.insertSession(s);
  });
}

/**
 * 10,000 servers and 10,000 sessions in a real KyselyStore on a temp SQLite file; times one
 * reconcile pass (or, if the Reconciler cannot run a pass, the two listings a pass starts with).
 */
export async function measureScale(): Promise<ScaleResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'orch-scale-'));
  const store = await createStore({ kind: 'sqlite', path: path.join(dir, 'scale.db') });
  const provider = new MemoryProvider();
  const lines: string[] = [];
  try {
    const now = Date.now();
    let t = performance.now();
    await fill(store, provider, now);
    const insertMs = performance.now() - t;
    t = performance.now();
    const servers = await store.listServers(LIVE_SERVER_STATES);
    const sessions = await store.listSessions(['pending', 'active']);
    const listMs = performance.now() - t;
    lines.push(`${N} servers + ${N} sessions inserted in ${Math.round(insertMs)} ms (one transaction); listServers(live) + listSessions(pending, active) → ${servers.length} + ${sessions.length} rows in ${round(listMs)} ms`);
    const pass = await timePasses(store, provider, lines);
    const mem = process.memoryUsage();
    const rssMiB = Math.round(mem.rss / 2 ** 20);
    const heapUsedMiB = Math.round(mem.heapUsed / 2 ** 20);
    lines.push(`bench process after the passes: RSS ${rssMiB} MiB, heap used ${heapUsedMiB} MiB`);
    return { servers: N, sessions: N, insertMs, listMs, passMs: pass?.ms ?? null, passSummary: pass?.summary ?? null, rssMiB, heapUsedMiB, lines };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function timePasses(store: Store, provider: MemoryProvider, lines: string[]): Promise<{ ms: number[]; summary: unknown } | null> {
  const mod = (await import('../src/reconcile/index.js')) as {
    Reconciler: new (deps: unknown) => { runPass?: () => Promise<unknown> };
    computePlan?: (input: unknown) => unknown;
  };
  // The pool target equals the idle + coming servers of the fixture, so a pass has nothing to do: the steady-state cost.
  const config = loadConfig({ DB_PATH: ':memory:', MAX_SERVERS: '100000', POOL_MIN_READY: '3000', PROVIDER: 'local' });
  const ops = new ServerOps({
    store, provider, clock: systemClock, log: silentLog, credentialSecret: 'bench-scale-secret',
    orchestratorUrl: 'http://127.0.0.1:1', readiness: 'heartbeat', recycleServers: false,
  });
  const reconciler = new mod.Reconciler({ store, provider, ops, clock: systemClock, log: silentLog, settings: config.lifecycle });
  if (typeof reconciler.runPass !== 'function') {
    lines.push('the Reconciler has no runPass() yet: only the listings above were timed');
    return null;
  }
  if (typeof mod.computePlan === 'function') {
    const servers = await store.listServers(LIVE_SERVER_STATES);
    const sessions = await store.listSessions(['pending', 'active']);
    const machines = await provider.list();
    const t = performance.now();
    mod.computePlan({ nowMs: Date.now(), machines, servers, sessions, settings: config.lifecycle });
    lines.push(`computePlan alone (the pure planner) over them: ${round(performance.now() - t)} ms`);
  }
  const ms: number[] = [];
  const planned: unknown[] = [];
  let summary: unknown = null;
  // The longest the event loop stood still during the passes: what every request waits behind.
  const stall = new StallMeter();
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    summary = await reconciler.runPass();
    ms.push(round(performance.now() - t));
    planned.push((summary as { planned?: unknown }).planned ?? null);
  }
  const maxStallMs = round(await stall.stop());
  const r = summary as { planned?: unknown; applied?: { done?: unknown }; error?: string | null };
  lines.push(`reconcile pass over them: ${ms.join(' ms, ')} ms (3 passes; provider calls ${JSON.stringify(provider.calls)}); longest event-loop stall during the passes ${maxStallMs} ms`);
  lines.push(`planned per pass: ${planned.map((p) => JSON.stringify(nonZero(p))).join(', ')}; the last did ${JSON.stringify(r.applied?.done ?? null)}${r.error ? `, error: ${r.error}` : ''}`);
  return { ms, summary: { planned: r.planned ?? null, done: r.applied?.done ?? null, error: r.error ?? null, maxStallMs } };
}

const round = (x: number) => Math.round(x * 10) / 10;

const nonZero = (o: unknown) => Object.fromEntries(Object.entries((o ?? {}) as Record<string, number>).filter(([, n]) => n !== 0));

/** Measures the longest gap between 1 ms timer ticks (a blocked event loop delays them). */
class StallMeter {
  private last = performance.now();
  private max = 0;
  private readonly timer = setInterval(() => {
    const now = performance.now();
    this.max = Math.max(this.max, now - this.last);
    this.last = now;
  }, 1);

  /** Lets one more tick through (to see a stall still in progress), then stops; returns the longest gap in ms. */
  async stop(): Promise<number> {
    await new Promise((r) => setTimeout(r, 5));
    clearInterval(this.timer);
    return this.max;
  }
}
