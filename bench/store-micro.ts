/**
 * Store-level micro-benchmark: the warm start's and the heartbeat's transactions, straight on
 * the store (no HTTP), on a real SQLite file, in batches as the group commit sees them under
 * load. With `--old <dir>` (a copy of an earlier build's `src/`, e.g. from `git archive`) both
 * builds run in this one process, rounds interleaved, and the ratio is printed: what a change
 * to the store costs, measured side by side.
 *
 *   npx tsx bench/store-micro.ts [--old /tmp/old-store/src] [--rounds 6] [--ops 20000] [--batch 50]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { EventKind } from '../src/domain/events.js';
import type { Server } from '../src/domain/server.js';
import type { Session } from '../src/domain/session.js';
import { timeOrderedId } from '../src/util/ids.js';

/** The part of either build's store this bench uses. */
interface MicroTx {
  claimReadyServer(nowMs: number): Promise<Server | null>;
  insertSession(s: Session): Promise<boolean>;
  insertServer(s: Server): Promise<void>;
  recordHeartbeatByIp(ip: string, players: number, nowMs: number): Promise<Server | null>;
  touchSessionPlayed(serverId: string, nowMs: number): Promise<void>;
  rememberSignature(signature: string, nowMs: number, expiresAtMs: number): Promise<boolean>;
  recordEvent(e: object): void;
}
interface MicroStore {
  transaction<T>(fn: (tx: MicroTx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
type CreateStore = (o: { kind: 'sqlite'; path: string }) => Promise<MicroStore>;

const { values: args } = parseArgs({
  options: {
    old: { type: 'string' },
    rounds: { type: 'string', default: '6' },
    ops: { type: 'string', default: '20000' },
    batch: { type: 'string', default: '50' },
  },
});
const ROUNDS = Number(args.rounds);
const OPS = Number(args.ops);
const BATCH = Number(args.batch);
const T0 = Date.now();

function server(i: number): Server {
  return {
    id: timeOrderedId(T0 + i),
    state: 'ready',
    origin: 'external',
    region: 'local',
    providerId: null,
    ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    port: null,
    players: 0,
    createdAtMs: T0,
    updatedAtMs: T0,
    stateChangedAtMs: T0,
    readyAtMs: T0 + i,
    lastHeartbeatAtMs: T0,
    reason: null,
  };
}

let codeN = 0;
function session(serverId: string, now: number): Session {
  return {
    id: timeOrderedId(now),
    code: (codeN++).toString(36).toUpperCase().padStart(6, 'A'),
    state: 'active',
    serverId,
    createdAtMs: now,
    activatedAtMs: now,
    endedAtMs: null,
    endReason: null,
    lastPlayedAtMs: now,
    coldStart: false,
    region: 'local',
    placement: null,
    owner: null,
    leaseUntilMs: null,
  };
}

/** A warm start: claim, insert the session, two events. */
async function start(tx: MicroTx, now: number): Promise<void> {
  const s = await tx.claimReadyServer(now);
  if (!s) throw new Error('pool ran dry');
  await tx.insertSession(session(s.id, now));
  tx.recordEvent({ atMs: now, kind: EventKind.ServerStateChanged, serverId: s.id, sessionId: null, data: {} });
  tx.recordEvent({ atMs: now, kind: EventKind.SessionStarted, serverId: s.id, sessionId: null, data: {} });
}

/** A heartbeat in service: the replay key, the update by address, the idle clock. */
let sig = 0;
async function heartbeat(tx: MicroTx, ip: string, now: number): Promise<void> {
  const sigHex = (sig++).toString(16).padStart(16, '0') + 'ab'.repeat(24);
  await tx.rememberSignature(sigHex, now, now + 60_000);
  const s = await tx.recordHeartbeatByIp(ip, 3, now);
  if (s) await tx.touchSessionPlayed(s.id, now);
}

/**
 * Runs `n` transactions in batches of BATCH begun in one turn; returns CPU ms (user + system,
 * this process: the WAL checkpoint worker's too) per transaction. CPU time, not wall time: on a
 * shared machine the wall clock counts other processes' turns.
 */
async function timed(store: MicroStore, n: number, body: (tx: MicroTx, i: number) => Promise<void>): Promise<number> {
  const t = process.cpuUsage();
  for (let i = 0; i < n; i += BATCH) {
    const all: Promise<void>[] = [];
    for (let j = i; j < Math.min(n, i + BATCH); j++) all.push(store.transaction((tx) => body(tx, j)));
    await Promise.all(all);
  }
  const used = process.cpuUsage(t);
  return (used.user + used.system) / 1000 / n;
}

/** One round on a fresh file: the pool written, then OPS starts, then OPS heartbeats. */
async function round(createStore: CreateStore): Promise<{ start: number; heartbeat: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'store-micro-'));
  const store = await createStore({ kind: 'sqlite', path: path.join(dir, 'o.db') });
  try {
    const servers = Array.from({ length: OPS }, (_, i) => server(i));
    for (let i = 0; i < OPS; i += 500)
      await store.transaction(async (tx) => {
        for (const s of servers.slice(i, i + 500)) await tx.insertServer(s);
      });
    const startUs = await timed(store, OPS, (tx, i) => start(tx, T0 + 1000 + i));
    const hbUs = await timed(store, OPS, (tx, i) => heartbeat(tx, servers[i % OPS]!.ip!, T0 + 2000 + i));
    return { start: startUs * 1000, heartbeat: hbUs * 1000 };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const builds: [string, CreateStore][] = [
  ['this', ((await import('../src/store/create-db.js')) as unknown as { createStore: CreateStore }).createStore],
];
if (args.old) {
  const mod = (await import(path.resolve(args.old, 'store/create-db.ts'))) as { createStore: CreateStore };
  builds.unshift(['old', mod.createStore]);
}
const results = new Map<string, { start: number[]; heartbeat: number[] }>(
  builds.map(([name]) => [name, { start: [], heartbeat: [] }]),
);
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, create] of r % 2 === 0 ? builds : [...builds].reverse()) {
    const res = await round(create);
    results.get(name)!.start.push(res.start);
    results.get(name)!.heartbeat.push(res.heartbeat);
    console.log(
      `round ${r + 1} ${name}: start ${res.start.toFixed(1)} µs, heartbeat ${res.heartbeat.toFixed(1)} µs (CPU per transaction)`,
    );
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const [name, r] of results)
  console.log(`${name}: median start ${median(r.start).toFixed(1)} µs, heartbeat ${median(r.heartbeat).toFixed(1)} µs`);
const old = results.get('old');
const now = results.get('this')!;
if (old) {
  console.log(
    `this/old CPU time per transaction: start ${(median(now.start) / median(old.start)).toFixed(3)}, heartbeat ${(median(now.heartbeat) / median(old.heartbeat)).toFixed(3)} (below 1: faster)`,
  );
}
