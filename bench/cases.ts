import type { AutocannonRequest } from 'autocannon';
import { randomUUID } from 'node:crypto';
import { heartbeatRequest, ipAt } from './fixtures.js';
import { dynamicRequest } from './load.js';

/** First octets of the bench's addresses: one block per purpose, so they never collide. */
export const BLOCK = { busy: 172, ready: 10, join: 192, sessions: 100, players: 11, lobbies: 12 } as const;

/** Live sessions the join world holds; each join asks for another of their codes. */
export const LIVE_SESSIONS = 10_000;

/** Public sessions (mode duel, 8 seats, all free) besides the live ones, for the lobbies case. */
export const PUBLIC_SESSIONS = 500;

/** Player addresses the join requests come from (X-Forwarded-For through a trusted proxy). */
export const PLAYER_ADDRESSES = 50_000;

/** Servers the heartbeat case spreads over. */
export const HEARTBEAT_SERVERS = 1000;

/** The shared HMAC key of the bench's orchestrator (a throwaway value, never a real secret). */
export const BENCH_KEY = 'bench-only-hmac-key';

/** What a case must reach to pass. */
export interface CaseTarget {
  /** Lowest acceptable requests/s as a fraction of the same round's baseline (0: no throughput target). */
  minRatio: number;
  /** Highest acceptable p99, when the case has one. */
  maxP99Ms?: number;
}

/** What the cases need from the set-up. */
export interface CaseContext {
  /** Share codes of live sessions, on each orchestrator ('warm': LIVE_SESSIONS of them, and 'logged'). */
  joinCodes: { warm: readonly string[]; logged: readonly string[] };
}

export type CaseName =
  'baseline' | 'join' | 'v1-read' | 'join-seat' | 'lobbies' | 'heartbeat' | 'start' | 'start@1' | 'join+log';

export interface BenchCase {
  name: CaseName;
  /**
   * Which child the load goes to: the hello-world, the orchestrator (join, heartbeat: one session
   * and 1,000 busy servers), the orchestrator the start cases fill with their warm pool (tens of
   * thousands of servers, all claimed by the end), or the orchestrator with request logging on.
   */
  on: 'hello' | 'orchestrator' | 'starts' | 'logged';
  target: CaseTarget | null;
  /** Connections; 50 unless the case says otherwise. */
  connections?: number;
  /** Each 2xx takes a ready server (the warm pool is topped up before the case). */
  claims?: boolean;
  request(ctx: CaseContext): AutocannonRequest;
}

/**
 * A start as the client SDK sends it: a fresh Idempotency-Key on every request (so the key's
 * lookup and its row are paid, as in production).
 */
const startRequest = (): AutocannonRequest => {
  const run = randomUUID();
  let k = 0;
  return dynamicRequest(() => ({
    method: 'POST',
    path: '/sessions/start',
    headers: { 'idempotency-key': `${run}-${k++}` },
  }));
};

/**
 * A join of a different live session each time, from a rotating player address (behind a
 * trusted proxy, as deploy/ runs it): the guess limit at its default reads the address's
 * failure count on every join. From ONE address, 50 connections would be refused by design:
 * lookups in flight count against JOIN_FAIL_LIMIT_PER_MIN (30) until answered.
 */
function joinRequest(codes: readonly string[], path: (code: string) => string, method = 'POST'): AutocannonRequest {
  let k = 0;
  return dynamicRequest(() => {
    const i = k++;
    return {
      method,
      path: path(codes[i % codes.length]!),
      headers: { 'x-forwarded-for': ipAt(BLOCK.players, i % PLAYER_ADDRESSES) },
    };
  });
}

/** The cases in the order each round runs them. */
export const CASES: readonly BenchCase[] = [
  { name: 'baseline', on: 'hello', target: null, request: () => ({ method: 'GET', path: '/' }) },
  {
    name: 'join',
    on: 'orchestrator',
    target: { minRatio: 0.5 },
    request: (c) => joinRequest(c.joinCodes.warm, (code) => `/sessions/join?game_tag=${code}`),
  },
  // The v1 read of a session by its code (no API keys configured, the guess limit at its
  // default): a snapshot of the session and its server. The issue sets no target for it: reported.
  {
    name: 'v1-read',
    on: 'orchestrator',
    target: null,
    request: (c) => joinRequest(c.joinCodes.warm, (code) => `/v1/sessions/${code}`, 'GET'),
  },
  // The /v1 join (issue 24): reserves a seat (one conditional UPDATE of the session's count and
  // the seat's row, in one transaction with its seat.reserved event) and signs a seat token. A
  // player id is made for each join; the bench's sessions have no max_players, so none is full.
  {
    name: 'join-seat',
    on: 'orchestrator',
    target: { minRatio: 0.3 },
    request: (c) => joinRequest(c.joinCodes.warm, (code) => `/v1/sessions/${code}/join`),
  },
  // A lobby listing as a polling client sends it (issue 24: ≥ 40% of the baseline): the first
  // page of 20 of a mode, from a rotating player address (each listing counts against
  // LOBBY_LIST_LIMIT_PER_MIN at its default), over PUBLIC_SESSIONS public and 10,000 private ones.
  {
    name: 'lobbies',
    on: 'orchestrator',
    target: { minRatio: 0.4 },
    request: () => {
      let k = 0;
      return dynamicRequest(() => ({
        method: 'GET',
        path: '/v1/lobbies?mode=duel&limit=20',
        headers: { 'x-forwarded-for': ipAt(BLOCK.players, k++ % PLAYER_ADDRESSES) },
      }));
    },
  },
  {
    name: 'heartbeat',
    on: 'orchestrator',
    target: { minRatio: 0.3 },
    request: () => {
      // Unique (address, players) per request within a second, so every signature is new; players
      // start at 2 because registering the busy servers sent players 1 (the same second, the
      // same body: a replay, rightly refused).
      let k = 0;
      return dynamicRequest(() => {
        const i = k++;
        return heartbeatRequest(
          BENCH_KEY,
          ipAt(BLOCK.busy, i % HEARTBEAT_SERVERS),
          2 + (Math.floor(i / HEARTBEAT_SERVERS) % 9998),
        );
      });
    },
  },
  // The targets: ≥ 15% of the baseline at 50 connections, p99 < 10 ms at ONE (start@1);
  // at 50 a p99 under 10 ms would need > 5,000 answers/s by Little's law.
  { name: 'start', on: 'starts', target: { minRatio: 0.15 }, claims: true, request: startRequest },
  {
    // One connection: no queueing behind other requests, so latency is the service time plus any
    // stall of the event loop (a reconcile pass, a WAL checkpoint, GC). autocannon's fixed-rate
    // mode sends each second's requests in a burst, so it cannot show this.
    name: 'start@1',
    on: 'starts',
    target: { minRatio: 0, maxP99Ms: 10 },
    connections: 1,
    claims: true,
    request: startRequest,
  },
  {
    name: 'join+log',
    on: 'logged',
    target: null,
    request: (c) => joinRequest(c.joinCodes.logged, (code) => `/sessions/join?game_tag=${code}`),
  },
];

/**
 * The orchestrator's environment for the bench: the default path (JOIN_FAIL_LIMIT_PER_MIN at
 * its default, clients behind a trusted proxy) except the start limit (the load comes from one
 * generator), no machines made (servers are external, registered by heartbeats), and the
 * reconciler's reaping deadlines far out so it does not end the bench's idle fixtures mid-run.
 */
export function orchestratorEnv(dbPath: string, logLevel = 'warn'): Record<string, string> {
  return {
    DB_PATH: dbPath,
    LOG_LEVEL: logLevel,
    START_RATE_LIMIT_PER_MIN: '0',
    SESSIONS_PER_ADDRESS: '0',
    TRUST_PROXY: 'loopback',
    INTERNAL_HMAC_SECRET: BENCH_KEY,
    MAX_SERVERS: '0',
    // An empty pool makes a start wait; keep that wait short so a miscount shows as 503s, not a hang.
    START_TIMEOUT_S: '2',
    HEARTBEAT_PERIOD_S: '86400',
    SESSION_IDLE_TIMEOUT_S: '604800',
    SESSION_MAX_LIFETIME_S: '604800',
  };
}
