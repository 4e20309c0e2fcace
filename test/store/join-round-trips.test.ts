import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator.js';
import { dialectEnv } from '../helpers/databases.js';
import { heartbeat, testOrchestrator } from '../helpers/orchestrator.js';
import { readyServer, startV1 } from '../http/v1/v1-helpers.js';

/*
 * Issue 24: a /v1 join with a seat was the claim of a seat (UPDATE of the session's count), the
 * seat's INSERT and its event's INSERT, in a transaction: on PostgreSQL BEGIN … COMMIT around
 * them (5 round trips for the seat), on SQLite a per-job savepoint around them in the group
 * commit (5 statement runs). Counted here on the wire (PostgreSQL) and on the better-sqlite3
 * handle (SQLite), with the guess limit at its default, as the bench runs it.
 */

let orch: Orchestrator | undefined;
let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await orch?.close();
  await cleanup?.();
  orch = undefined;
  cleanup = undefined;
});

const oneLine = (s: string) => s.replace(/\s+/g, ' ').slice(0, 90);

/** Every query a pg client sends while fn runs, one entry per round trip (see warm-start-round-trips.test.ts). */
async function pgTrips(fn: () => Promise<unknown>): Promise<string[]> {
  const sent: string[] = [];
  type Proto = Record<'query' | 'parse' | 'sync', (...args: unknown[]) => unknown>;
  const proto = (pg as unknown as { Connection: { prototype: Proto } }).Connection.prototype;
  const original = { query: proto.query, parse: proto.parse, sync: proto.sync };
  let pending = '';
  proto.query = function (this: unknown, ...args: unknown[]) {
    sent.push(String(args[0]));
    return original.query.apply(this, args);
  };
  proto.parse = function (this: unknown, ...args: unknown[]) {
    pending = String((args[0] as { text?: string }).text);
    return original.parse.apply(this, args);
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
  return sent.map(oneLine);
}

/** Every statement better-sqlite3 runs while fn runs (the store's cached statements included). */
async function sqliteStatements(fn: () => Promise<unknown>): Promise<string[]> {
  const probe = new Database(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('select 1')) as Record<string, (...a: unknown[]) => unknown>;
  probe.close();
  const names = ['run', 'all', 'get', 'iterate'] as const;
  const original = Object.fromEntries(names.map((n) => [n, proto[n]!]));
  const ran: string[] = [];
  for (const n of names)
    proto[n] = function (this: { source: string }, ...args: unknown[]) {
      ran.push(oneLine(this.source));
      return original[n]!.apply(this, args);
    };
  try {
    await fn();
  } finally {
    Object.assign(proto, original);
  }
  return ran;
}

async function world(dialect: 'sqlite' | 'postgres', maxPlayers: number): Promise<string> {
  const d = await dialectEnv(dialect);
  cleanup = d.cleanup;
  // The guess limit at its default, as the bench and production run it.
  orch = await testOrchestrator({ ...d.env, JOIN_FAIL_LIMIT_PER_MIN: '30', EVENTS_POLL_MS: '600000' });
  await orch.app.ready();
  await readyServer(orch, '198.51.100.7');
  return (await startV1(orch, { max_players: maxPlayers })).json().code as string;
}

const join = (code: string, i: number) =>
  orch!.app.inject({
    method: 'POST',
    url: `/v1/sessions/${code}/join`,
    payload: {},
    remoteAddress: `203.0.113.${i + 1}`,
  });

const seatWrites = (stmts: string[]) =>
  stmts.filter((s) => /^(insert into "(seats|events)"|update "sessions")/.test(s));

describe('a /v1 join with a seat', () => {
  it('PostgreSQL: the seat, its count and its event are ONE round trip, no BEGIN/COMMIT', async () => {
    const code = await world('postgres', 4);
    const trips = await pgTrips(async () => expect((await join(code, 0)).statusCode).toBe(200));
    console.log(`PostgreSQL /v1 join with a seat: ${trips.length} round trips\n  ${trips.join('\n  ')}`);
    expect(trips.filter((s) => /^(BEGIN|COMMIT|ROLLBACK)/i.test(s))).toEqual([]);
    // The guess limit's reservation and refund, the session and its server, the seat.
    expect(trips).toHaveLength(5);
    expect(trips.filter((s) => /^with "claimed" as \(update "sessions"/.test(s))).toHaveLength(1);
  });

  it('SQLite: a burst of joins writes the seat, the count and the event per join, with no savepoint', async () => {
    const code = await world('sqlite', 16);
    const n = 8;
    const ran = await sqliteStatements(async () => {
      const rs = await Promise.all(Array.from({ length: n }, (_, i) => join(code, i)));
      expect(rs.map((r) => r.statusCode)).toEqual(Array(n).fill(200));
    });
    const perJob = ran.filter((s) => !/^(BEGIN|COMMIT|ROLLBACK)/i.test(s));
    const savepoints = ran.filter((s) => /^(SAVEPOINT|RELEASE|ROLLBACK TO)/i.test(s));
    console.log(
      `SQLite /v1 join with a seat, ${n} at once: ${perJob.length / n} statements per join (${savepoints.length / n} of them savepoints), ` +
        `${ran.length - perJob.length} BEGIN/COMMIT for the burst\n  ${[...new Set(perJob)].join('\n  ')}`,
    );
    expect(savepoints).toEqual([]);
    expect(seatWrites(perJob)).toHaveLength(3 * n);
    // The guess limit's read, the session and its server, the seat, the count, the event.
    expect(perJob).toHaveLength(6 * n);
  });

  for (const dialect of ['sqlite', 'postgres'] as const) {
    it(`${dialect}: a reconnect to a held seat (by player id or seat token, the session full or not) renews it without the join's transaction`, async () => {
      const code = await world(dialect, 2);
      const o = orch!;
      const joinAs = (body: object) =>
        o.app.inject({ method: 'POST', url: `/v1/sessions/${code}/join`, payload: body, remoteAddress: '203.0.113.9' });
      const tx = vi.spyOn(o.store, 'transaction');
      /** The join's answer; it ran no Store.transaction (the claim, the sweep of due seats). */
      const cheap = async (body: object) => {
        tx.mockClear();
        const r = await joinAs(body);
        expect(tx, JSON.stringify(body)).not.toHaveBeenCalled();
        return r;
      };
      const alice = await joinAs({ player_id: 'alice' });
      expect(alice.json().seat.again).toBe(false);
      expect((await cheap({ player_id: 'alice' })).json().seat).toMatchObject({ player_id: 'alice', again: true });
      const byToken = await cheap({ seat_token: alice.json().seat.token as string });
      expect(byToken.json().seat).toMatchObject({ player_id: 'alice', again: true });
      // The server reports the session full: a held seat is still given, no other.
      expect((await heartbeat(o.app, '198.51.100.7', 2)).statusCode).toBe(200);
      expect((await cheap({ player_id: 'alice' })).json().seat).toMatchObject({ player_id: 'alice', again: true });
      const carol = await cheap({ player_id: 'carol' });
      expect(carol.statusCode).toBe(409);
      expect(carol.json().error.code).toBe('session_full');
      expect((await cheap({})).statusCode).toBe(409);
      // PostgreSQL's readers see an event once no older transaction is still open anywhere on
      // the server (other test files' included): wait for it rather than read once.
      await vi.waitFor(
        async () => {
          const renewals = (await o.store.listEvents(0, 1000)).filter(
            (e) => e.kind === 'seat.reserved' && (e.data as { again?: boolean }).again === true,
          );
          expect(renewals).toHaveLength(3);
        },
        { timeout: 10_000, interval: 50 },
      );
      expect(await o.store.listSeats((await o.store.findLiveSessionByCode(code))!.id)).toHaveLength(1);
    });
  }
});
