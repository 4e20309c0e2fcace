import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator.js';
import { textOfPrepared } from '../../src/store/pg-prepared.js';
import { dialectEnv } from '../helpers/databases.js';
import { heartbeat, testOrchestrator } from '../helpers/orchestrator.js';

/*
 * Issue 22 item 6: a warm start on PostgreSQL was a chain of five sequential round trips (BEGIN,
 * claim, session, events, COMMIT; each statement waits for the one before), so their number
 * bounded a replica's rate. It is one statement now (src/store/warm-start-queries.ts). Counted
 * on the wire: every query a pg client sends while one warm start is answered.
 */

let orch: Orchestrator;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const d = await dialectEnv('postgres');
  cleanup = d.cleanup;
  orch = await testOrchestrator({ ...d.env, EVENTS_POLL_MS: '600000' });
  await orch.app.ready();
  expect((await heartbeat(orch.app, '198.51.100.7', 0)).statusCode).toBe(200);
});
afterAll(async () => {
  await orch?.close();
  await cleanup?.();
});

/**
 * The SQL of every query pg clients send while `fn` runs, counted on the wire: a simple query
 * (BEGIN, COMMIT) is one `query` message, an extended one a `parse`/`bind` … ended by `sync`.
 */
async function queriesDuring(fn: () => Promise<unknown>): Promise<string[]> {
  const sent: string[] = [];
  type Proto = Record<'query' | 'parse' | 'bind' | 'sync', (...args: unknown[]) => unknown>;
  const proto = (pg as unknown as { Connection: { prototype: Proto } }).Connection.prototype;
  const original = { query: proto.query, parse: proto.parse, bind: proto.bind, sync: proto.sync };
  let pending = '';
  proto.query = function (this: unknown, ...args: unknown[]) {
    sent.push(String(args[0]));
    return original.query.apply(this, args);
  };
  proto.parse = function (this: unknown, ...args: unknown[]) {
    pending = String((args[0] as { text?: string }).text);
    return original.parse.apply(this, args);
  };
  // A named statement prepared earlier on the connection is sent as a bind alone (pg-prepared.ts).
  proto.bind = function (this: unknown, ...args: unknown[]) {
    const name = (args[0] as { statement?: string }).statement;
    if (!pending && name) pending = textOfPrepared(name) ?? `(prepared statement ${name})`;
    return original.bind.apply(this, args);
  };
  proto.sync = function (this: unknown, ...args: unknown[]) {
    sent.push(pending || '(a prepared statement)');
    pending = '';
    return original.sync.apply(this, args);
  };
  try {
    await fn();
  } finally {
    Object.assign(proto, original);
  }
  return sent;
}

const oneLine = (sent: string[]) => sent.map((s) => s.replace(/\s+/g, ' ').slice(0, 100));

describe('a warm start on PostgreSQL', () => {
  it('is ONE round trip: the claim, the session and its events in one statement, no BEGIN/COMMIT, no lock', async () => {
    expect((await heartbeat(orch.app, '198.51.100.8', 0)).statusCode).toBe(200);
    const sent = await queriesDuring(async () => {
      const r = await orch.app.inject({ method: 'POST', url: '/sessions/start' });
      expect(r.statusCode).toBe(200);
    });
    const trips = oneLine(sent);
    console.log(`warm start: ${trips.length} round trips\n  ${trips.join('\n  ')}`);
    expect(trips.filter((s) => /advisory/i.test(s))).toEqual([]);
    expect(trips).toHaveLength(1);
    expect(trips[0]).toMatch(/^with "claimed" as \(update "servers"/);
  });

  it('/v1: the start is the same one statement, and its answer comes from the statement’s rows (no read after it)', async () => {
    expect((await heartbeat(orch.app, '198.51.100.9', 0)).statusCode).toBe(200);
    const sent = await queriesDuring(async () => {
      const r = await orch.app.inject({ method: 'POST', url: '/v1/sessions', payload: { max_players: 4 } });
      expect(r.statusCode).toBe(201);
    });
    const trips = oneLine(sent);
    console.log(`/v1 warm start: ${trips.length} round trips\n  ${trips.join('\n  ')}`);
    expect(trips.filter((s) => /advisory|^BEGIN|^COMMIT/i.test(s))).toEqual([]);
    // Was eight (BEGIN, claim, session, details, events, COMMIT, then the answer's two reads,
    // find-session.ts), then three (the statement and those two reads).
    expect(trips).toHaveLength(1);
    expect(trips[0]).toMatch(/^with "claimed" as \(update "servers"/);
  });

  it('/v1 with an Idempotency-Key (the client SDK always sends one): one statement too; the retry gets the same session', async () => {
    expect((await heartbeat(orch.app, '198.51.100.10', 0)).statusCode).toBe(200);
    const headers = { 'idempotency-key': 'round-trips-1' };
    let first = '';
    const sent = await queriesDuring(async () => {
      const r = await orch.app.inject({ method: 'POST', url: '/v1/sessions', payload: {}, headers });
      expect(r.statusCode).toBe(201);
      first = String(r.headers.location);
    });
    const trips = oneLine(sent);
    console.log(`/v1 warm start with a key: ${trips.length} round trips\n  ${trips.join('\n  ')}`);
    // Was ten (BEGIN, the key's read, claim, session, details, events, the key's INSERT, COMMIT, two reads), then three.
    expect(trips).toHaveLength(1);
    expect(trips[0]).toMatch(/^with "claimed" as \(update "servers"/);
    const again = await orch.app.inject({ method: 'POST', url: '/v1/sessions', payload: {}, headers });
    expect(again.headers.location).toBe(first);
  });
});
