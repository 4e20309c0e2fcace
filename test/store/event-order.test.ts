import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventKind, type NewEvent } from '../../src/domain/events.js';
import { createStore } from '../../src/store/create-db.js';
import { EVENTS_PER_TX, insertEvents } from '../../src/store/event-queries.js';
import { openDatabase, type OpenDatabase } from '../../src/store/open-database.js';
import type { Store } from '../../src/store/store.js';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres-server.js';

/*
 * Issue 22 item 6, on real PostgreSQL: event-writing transactions run concurrently (no global
 * lock) and commit in any order, and a reader following the outbox by cursor still sees every
 * committed event exactly once and never moves past one that commits later. A PostgreSQL of its
 * own: these transactions stay open on purpose, and any open transaction in a cluster holds back
 * every reader of events in it (other test files' too).
 */

const WRITERS = 24;
const TX_PER_WRITER = 25;

function ev(writer: number, n: number): NewEvent {
  return { atMs: 1, kind: EventKind.SessionStarted, serverId: null, sessionId: null, data: { writer, n } };
}

/** A random duration, 0..maxMs, with one in four 0 (transactions of very different lengths). */
const randomMs = (maxMs: number) => (Math.random() < 0.25 ? 0 : Math.floor(Math.random() * maxMs));

let server: TestPostgres;
let store: Store;
let writers: OpenDatabase;

beforeAll(async () => {
  server = await startTestPostgres();
  store = await createStore({ kind: 'postgres', url: server.url, pool: { max: 4 } });
  writers = openDatabase({ kind: 'postgres', url: server.url, pool: { max: WRITERS } });
}, 120_000);
afterAll(async () => {
  await writers?.db.destroy();
  await store?.close();
  await server?.stop();
});

/**
 * One writer: transactions of random length that write events, at a random point, and commit
 * (or, one in eight, roll back) after a random delay; some take their transaction id early (a
 * write first, as a start's claim does), some only with the events. Returns the committed ids.
 */
async function writer(w: number, committed: number[]): Promise<void> {
  for (let t = 0; t < TX_PER_WRITER; t++) {
    const rollBack = Math.random() < 0.125;
    const ids = await writers.db
      .transaction()
      .execute(async (trx) => {
        if (Math.random() < 0.5) await sql`SELECT pg_current_xact_id()`.execute(trx);
        await sleep(randomMs(15));
        const written = await insertEvents(
          trx,
          'postgres',
          Array.from({ length: 1 + Math.floor(Math.random() * 3) }, (_, n) => ev(w, n)),
        );
        await sleep(randomMs(15));
        if (rollBack) throw new Error('rolled back on purpose');
        return written.map((e) => e.id);
      })
      .catch((err: Error) => {
        if (err.message !== 'rolled back on purpose') throw err;
        return [];
      });
    committed.push(...ids);
  }
}

/** Commits whose ids lie below an id committed before them (`committed` is in commit order). */
function inversions(committed: readonly number[]): number {
  let n = 0;
  let top = 0;
  for (const id of committed) {
    if (id < top) n++;
    top = Math.max(top, id);
  }
  return n;
}

/**
 * Follows the outbox by cursor, as SSE and webhooks do, until the writers are done and it has
 * read up to `last()` (the newest committed id then). Another client's transaction on a shared
 * test server may hold the reader back a while; it never ends the read early.
 */
async function follow(read: (after: number) => Promise<number[]>, last: () => number | null): Promise<number[]> {
  const seen: number[] = [];
  let cursor = 0;
  for (;;) {
    const end = last();
    if (end !== null && cursor >= end) return seen;
    for (const id of await read(cursor)) {
      expect(id).toBeGreaterThan(cursor);
      seen.push(id);
      cursor = id;
    }
    await sleep(randomMs(4));
  }
}

/** Polls `check` until it passes (another client's transaction may hold readers back a while). */
async function eventually(check: () => Promise<void>, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > until) throw err;
      await sleep(20);
    }
  }
}

describe('the outbox on PostgreSQL: commit order for readers without a global lock', () => {
  it('many concurrent writers committing in random order: a polling reader sees every event id exactly once', async () => {
    const committed: number[] = [];
    let writing = true;
    const last = () => (writing ? null : Math.max(0, ...committed));
    const readBatch = () => 1 + Math.floor(Math.random() * 20);
    const reader = follow(async (after) => (await store.listEvents(after, readBatch())).map((e) => e.id), last);
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w, committed)));
    writing = false;
    const seen = await reader;

    const expected = [...committed].sort((a, b) => a - b);
    expect(expected.length).toBeGreaterThan(WRITERS * TX_PER_WRITER);
    expect(new Set(seen).size).toBe(seen.length); // each id once
    expect(seen).toEqual(expected); // every committed id, none skipped, in id order
    // The workload must commit out of id order (a transaction committing after one with larger
    // ids), or it proves nothing: a naive cursor (ids above it, no watermark) skips exactly those.
    expect(inversions(committed)).toBeGreaterThan(0);
  }, 120_000);

  it('a transaction still running holds readers below its events; its commit releases them', async () => {
    const head = await store.lastEventId();
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    const slow = writers.db.transaction().execute(async (trx) => {
      await sql`SELECT pg_current_xact_id()`.execute(trx);
      await released;
      return insertEvents(trx, 'postgres', [ev(1, 0)]);
    });
    await sleep(50);
    const [fast] = await writers.db.transaction().execute((trx) => insertEvents(trx, 'postgres', [ev(2, 0)]));
    // Committed, but an older transaction is still running: not yet readable.
    expect(await store.listEvents(head, 100)).toEqual([]);
    expect(await store.lastEventId()).toBe(head);
    release();
    const [older] = await slow;
    expect(older!.id).toBeLessThan(fast!.id);
    await eventually(async () => {
      expect((await store.listEvents(head, 100)).map((e) => e.id)).toEqual([older!.id, fast!.id]);
      expect(await store.lastEventId()).toBe(fast!.id);
    });
  });

  it('ids stored above the transaction counter (a dump restored into a new cluster) stay below new ones', async () => {
    const { rows } = await sql<{ xid: string }>`SELECT CAST(pg_current_xact_id() AS text) AS xid`.execute(writers.db);
    const restored = (Number(rows[0]!.xid) + 1_000_000) * EVENTS_PER_TX + 7;
    await sql`INSERT INTO events (id, at_ms, kind, data) VALUES (${restored}, 1, 'session.started', '{}')`.execute(
      writers.db,
    );
    const reopened = await createStore({ kind: 'postgres', url: server.url });
    try {
      await eventually(async () => expect(await reopened.lastEventId()).toBe(restored));
      const cursor = restored;
      await reopened.transaction(async (tx) => tx.recordEvent(ev(3, 0)));
      await eventually(async () => {
        const after = await reopened.listEvents(cursor, 10);
        expect(after).toHaveLength(1);
        expect(after[0]!.id).toBeGreaterThan(restored);
      });
    } finally {
      await reopened.close();
    }
  });
});
