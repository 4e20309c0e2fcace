/**
 * Store-level micro-benchmark of a join's seat on SQLite (issue 24): the transaction a join ran
 * before (claimSeat, insertSeat, its event; a per-job savepoint in a batch) against
 * Store.reserveSeat (the seat's INSERT checking the room, its count, its event; no savepoint),
 * on one store, rounds interleaved, in batches of concurrent joins as the group commit sees them
 * under load. Prints CPU µs per seat for each and their ratio.
 *
 *   npx tsx bench/seat-micro.ts [--rounds 6] [--ops 20000] [--batch 50]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { EventKind } from '../src/domain/events.js';
import { newPlayerId } from '../src/domain/player-id.js';
import { createStore } from '../src/store/create-db.js';
import { Rollback } from '../src/store/store.js';
import { makeServer, makeSession } from '../test/store/fixtures.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '6' },
    ops: { type: 'string', default: '20000' },
    batch: { type: 'string', default: '50' },
  },
});
const rounds = Number(args.rounds);
const ops = Number(args.ops);
const batch = Number(args.batch);
const SESSIONS = 2000;

const dir = mkdtempSync(path.join(tmpdir(), 'seat-micro-'));
const store = await createStore({ kind: 'sqlite', path: path.join(dir, 'o.db') });
const ids: string[] = [];
const serverOf = new Map<string, string>();
await store.transaction(async (tx) => {
  for (let i = 0; i < SESSIONS; i++) {
    const srv = makeServer({ state: 'allocated', ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` });
    await tx.insertServer(srv);
    const s = makeSession({ state: 'active', serverId: srv.id, activatedAtMs: Date.now() });
    await tx.insertSession(s);
    ids.push(s.id);
    serverOf.set(s.id, srv.id);
  }
});

let k = 0;
const nextSession = () => ids[k++ % ids.length]!;

/** The join's transaction as it was: claim, row, event; a refusal rolls back. */
const oldWay = (sessionId: string) =>
  store.transaction(async (tx) => {
    const now = Date.now();
    if (!(await tx.claimSeat(sessionId))) return 'full';
    const playerId = newPlayerId();
    const seat = {
      sessionId,
      playerId,
      state: 'reserved' as const,
      reservedAtMs: now,
      takenAtMs: null,
      leftAtMs: null,
      deadlineAtMs: now + 30_000,
    };
    if (!(await tx.insertSeat(seat))) return new Rollback('taken');
    tx.recordEvent({
      atMs: now,
      kind: EventKind.SeatReserved,
      serverId: serverOf.get(sessionId)!,
      sessionId,
      data: { playerId, again: false },
    });
    return 'seated';
  });

const newWay = (sessionId: string) => {
  const now = Date.now();
  return store.reserveSeat({
    sessionId,
    serverId: serverOf.get(sessionId)!,
    playerId: newPlayerId(),
    nowMs: now,
    deadlineAtMs: now + 30_000,
  });
};

async function run(fn: (id: string) => Promise<unknown>): Promise<number> {
  const cpu = process.cpuUsage();
  for (let done = 0; done < ops; done += batch)
    await Promise.all(Array.from({ length: Math.min(batch, ops - done) }, () => fn(nextSession())));
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / ops;
}

await run(oldWay);
await run(newWay);
const old: number[] = [];
const now: number[] = [];
for (let r = 0; r < rounds; r++) {
  const [a, b] = r % 2 ? [newWay, oldWay] : [oldWay, newWay];
  const x = await run(a);
  const y = await run(b);
  old.push(a === oldWay ? x : y);
  now.push(a === oldWay ? y : x);
  console.log(
    `round ${r + 1}: transaction ${old[r]!.toFixed(1)} µs CPU a seat, reserveSeat ${now[r]!.toFixed(1)} µs (${(now[r]! / old[r]!).toFixed(3)})`,
  );
}
const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)]!;
console.log(
  `median: transaction ${median(old).toFixed(1)} µs, reserveSeat ${median(now).toFixed(1)} µs; ratio of medians ${(median(now) / median(old)).toFixed(3)}`,
);
await store.close();
rmSync(dir, { recursive: true, force: true });
