import { describe, expect, it } from 'vitest';
import { computePlan, type PlanInput } from '../../../src/reconcile/index.js';
import {
  expected,
  input,
  machine,
  machineOf,
  NOW,
  S,
  server,
  session,
  settings,
  summarize,
  type PlanSummary,
} from './fixtures.js';

interface Case {
  name: string;
  in: PlanInput;
  want: PlanSummary;
}

const silentFor = (id: string, s: number, o: Parameters<typeof server>[1] = {}) =>
  server(id, { lastHeartbeatAtMs: NOW - s * S, ...o });
const idleSession = (id: string, serverId: string, idleS: number) =>
  session(id, { serverId, lastPlayedAtMs: NOW - idleS * S });
const free = { players: 0 } as const;

const health: Case[] = [
  {
    name: 'bootTimeout: starting past bootTimeoutS since creation → unhealthy → shutdown → teardown',
    in: input({ servers: [server('a', { state: 'starting', createdAtMs: NOW - 601 * S, readyAtMs: null })] }),
    want: expected({ bootTimeout: ['a'], shutdown: ['a'], teardown: ['a'] }),
  },
  {
    name: 'bootTimeout: not before the deadline',
    in: input({ servers: [server('a', { state: 'starting', createdAtMs: NOW - 599 * S, readyAtMs: null })] }),
    want: expected({}),
  },
  {
    name: 'bootTimeout: a creating row whose machine never booted',
    in: input({ servers: [server('a', { state: 'creating', ip: null, createdAtMs: NOW - 601 * S })] }),
    want: expected({ bootTimeout: ['a'], shutdown: ['a'], teardown: ['a'] }),
  },
  {
    name: 'heartbeatLost: threshold × period of silence → unhealthy, shut down and torn down in one pass',
    in: input({ servers: [silentFor('a', 90)] }),
    want: expected({ heartbeatLost: ['a'], shutdown: ['a'], teardown: ['a'] }),
  },
  {
    name: 'heartbeatLost: one period less is still healthy',
    in: input({ servers: [silentFor('a', 89)] }),
    want: expected({}),
  },
  {
    name: 'heartbeatLost: an allocated server takes its session with it (server_lost, no separate endSession)',
    in: input({ servers: [silentFor('a', 200)], sessions: [session('s1', { serverId: 'a' })] }),
    want: expected({ heartbeatLost: ['a'], shutdown: ['a'], teardown: ['a'] }),
  },
  {
    name: 'heartbeatLost: an external server is only marked deleted (no provider delete)',
    in: input({ servers: [silentFor('e', 200, { origin: 'external', providerId: null })] }),
    want: expected({ heartbeatLost: ['e'] }),
  },
  {
    name: 'outage guard: 3 of 4 silent at once pauses reaping',
    in: input({ servers: [silentFor('a', 200), silentFor('b', 200), silentFor('c', 200), server('d')] }),
    want: expected({ outage: true }),
  },
  {
    name: 'outage guard: exactly the fraction (2 of 4) is not more than it: reaped',
    in: input({ servers: [silentFor('a', 200), silentFor('b', 200), server('c'), server('d')] }),
    want: expected({ heartbeatLost: ['a', 'b'], shutdown: ['a', 'b'], teardown: ['a', 'b'] }),
  },
  {
    name: 'outage guard: 2 of 2 silent is an outage',
    in: input({ servers: [silentFor('a', 200), silentFor('b', 200)] }),
    want: expected({ outage: true }),
  },
  {
    name: 'outage guard: a lone silent server is reaped (at least 2 make an outage)',
    in: input({ servers: [silentFor('a', 200)] }),
    want: expected({ heartbeatLost: ['a'], shutdown: ['a'], teardown: ['a'] }),
  },
  {
    name: 'outage guard: silent external servers are no evidence of our outage (issue 21 item 7: fakes paused reaping)',
    in: input({
      servers: [
        silentFor('a', 200),
        silentFor('e', 200, { origin: 'external', providerId: null }),
        silentFor('f', 200, { origin: 'external', providerId: null }),
        server('c'),
      ],
    }),
    want: expected({ heartbeatLost: ['a', 'e', 'f'], shutdown: ['a'], teardown: ['a'] }),
  },
  {
    name: 'outage guard: silence does not read as "nobody plays": no idle ends on silent servers',
    in: input({
      servers: [silentFor('a', 200, free), silentFor('b', 200, free)],
      sessions: [idleSession('s1', 'a', 999), idleSession('s2', 'b', 999)],
    }),
    want: expected({ outage: true }),
  },
  {
    name: 'outage guard: max lifetime still ends sessions',
    in: input({
      servers: [silentFor('a', 200), silentFor('b', 200)],
      sessions: [session('s1', { serverId: 'a', activatedAtMs: NOW - 7 * 3600 * S })],
    }),
    want: expected({ outage: true, endSession: ['s1:max_lifetime'], teardown: ['a'] }),
  },
  {
    name: 'outage guard: silent idle servers are not deleted as extra; speaking ones are',
    in: input({
      servers: [
        silentFor('a', 200, { state: 'ready', players: 0 }),
        silentFor('b', 200),
        server('c', { state: 'ready', players: 0 }),
      ],
    }),
    want: expected({ outage: true, deleteIdle: ['c'], teardown: ['c'] }),
  },
  {
    name: 'shutdown: unhealthy and error rows go to shutdown and are torn down',
    in: input({ servers: [server('a', { state: 'unhealthy' }), server('b', { state: 'error' })] }),
    want: expected({ shutdown: ['a', 'b'], teardown: ['a', 'b'] }),
  },
  {
    name: 'teardown: a shutdown row is deleted again each pass until the provider confirms',
    in: input({ servers: [server('a', { state: 'shutdown' })] }),
    want: expected({ teardown: ['a'] }),
  },
  {
    name: "teardown: a row a request shut down less than teardownHandoffS ago is left to that request's own delete",
    in: input({ servers: [server('a', { state: 'shutdown', stateChangedAtMs: NOW - 4.9 * S })] }),
    want: expected({}),
  },
  {
    name: "teardown: after teardownHandoffS the pass deletes it (the request's delete failed or its replica died)",
    in: input({ servers: [server('a', { state: 'shutdown', stateChangedAtMs: NOW - 5 * S })] }),
    want: expected({ teardown: ['a'] }),
  },
  {
    name: "teardown: within teardownHandoffS, a row whose teardown this process tried without confirmation is retried at once (no request's delete left to wait for)",
    in: {
      ...input({
        servers: [
          server('a', { state: 'shutdown', stateChangedAtMs: NOW - 1 * S }),
          server('b', { state: 'shutdown', stateChangedAtMs: NOW - 1 * S }),
        ],
      }),
      unconfirmedTeardowns: new Set(['a']),
    },
    want: expected({ teardown: ['a'] }),
  },
  {
    name: 'teardown: a row this pass shuts down is torn down at once, however recently its state changed',
    in: input({ servers: [server('a', { state: 'unhealthy', stateChangedAtMs: NOW - 1 * S })] }),
    want: expected({ shutdown: ['a'], teardown: ['a'] }),
  },
  {
    name: 'teardown: runs with a known machine id even when the listing failed',
    in: input({ servers: [server('a', { state: 'shutdown' })], machines: null }),
    want: expected({ teardown: ['a'] }),
  },
];

const sessions: Case[] = [
  {
    name: 'endSession idle: 0 players and nobody played for sessionIdleTimeoutS → ended, server shut down',
    in: input({ servers: [server('a', free)], sessions: [idleSession('s1', 'a', 301)] }),
    want: expected({ endSession: ['s1:idle'], teardown: ['a'] }),
  },
  {
    name: 'endSession idle: not yet',
    in: input({ servers: [server('a', free)], sessions: [idleSession('s1', 'a', 299)] }),
    want: expected({}),
  },
  {
    name: 'endSession idle: players on the server keep it',
    in: input({ servers: [server('a', { players: 2 })], sessions: [idleSession('s1', 'a', 9999)] }),
    want: expected({}),
  },
  {
    name: 'endSession idle: nobody ever joined (counted from activation)',
    in: input({
      servers: [server('a', free)],
      sessions: [session('s1', { serverId: 'a', activatedAtMs: NOW - 301 * S, lastPlayedAtMs: null })],
    }),
    want: expected({ endSession: ['s1:idle'], teardown: ['a'] }),
  },
  {
    name: 'endSession max_lifetime: past sessionMaxLifetimeS, players or not',
    in: input({
      servers: [server('a', { players: 4 })],
      sessions: [session('s1', { serverId: 'a', activatedAtMs: NOW - (6 * 3600 + 1) * S })],
    }),
    want: expected({ endSession: ['s1:max_lifetime'], teardown: ['a'] }),
  },
  {
    name: 'endSession start_timeout: a pending session older than startTimeoutS × 2 (its start crashed)',
    in: input({ sessions: [session('p1', { state: 'pending', createdAtMs: NOW - 121 * S })] }),
    want: expected({ endSession: ['p1:start_timeout'] }),
  },
  {
    name: 'a young pending session keeps waiting and gets a server made for it',
    in: input({ sessions: [session('p1', { state: 'pending', createdAtMs: NOW - 119 * S })] }),
    want: expected({ create: 1 }),
  },
  {
    name: 'endSession server_lost: an active session whose server row is gone',
    in: input({ sessions: [session('s1', { serverId: 'nowhere' })] }),
    want: expected({ endSession: ['s1:server_lost'] }),
  },
  {
    name: 'endSession with RECYCLE_SERVERS: the server rejoins the pool (kept when the pool wants it)',
    in: input({
      servers: [server('a', free)],
      sessions: [idleSession('s1', 'a', 301)],
      settings: settings({ recycleServers: true, poolMinReady: 1 }),
    }),
    want: expected({ endSession: ['s1:idle'] }),
  },
  {
    name: 'endSession with RECYCLE_SERVERS and a pool of 0: recycled, then deleted as idle beyond the pool',
    in: input({
      servers: [server('a', free)],
      sessions: [idleSession('s1', 'a', 301)],
      settings: settings({ recycleServers: true }),
    }),
    want: expected({ endSession: ['s1:idle'], deleteIdle: ['a'], teardown: ['a'] }),
  },
  {
    name: 'endSession on an external server: it is marked deleted, no provider call',
    in: input({
      servers: [server('e', { origin: 'external', providerId: null, players: 0 })],
      sessions: [idleSession('s1', 'e', 301)],
    }),
    want: expected({ endSession: ['s1:idle'] }),
  },
  {
    name: 'offer: a pending session and an idle ready server meet',
    in: input({
      servers: [server('a', { state: 'ready', players: 0 })],
      sessions: [session('p1', { state: 'pending' })],
    }),
    want: expected({ offer: ['a'] }),
  },
  {
    name: 'offer: two pending, one ready: one offer and one server made',
    in: input({
      servers: [server('a', { state: 'ready', players: 0 })],
      sessions: [session('p1', { state: 'pending' }), session('p2', { state: 'pending' })],
    }),
    want: expected({ offer: ['a'], create: 1 }),
  },
];

describe('computePlan: health, shutdown and sessions', () => {
  it.each([...health, ...sessions])('$name', (c) => {
    expect(summarize(computePlan(c.in))).toEqual(c.want);
  });

  it('heartbeatLost names the target state and the failures; external goes to deleted', () => {
    const plan = computePlan(
      input({
        servers: [
          server('a', { lastHeartbeatAtMs: NOW - 95 * S }),
          server('e', { origin: 'external', providerId: null, lastHeartbeatAtMs: NOW - 95 * S }),
          server('b'),
          server('c'),
          server('d'),
          server('f'),
        ],
      }),
    );
    expect(plan.heartbeatLost.map((h) => [h.serverId, h.to, h.failures])).toEqual([
      ['a', 'unhealthy', 3],
      ['e', 'deleted', 3],
    ]);
  });

  it('the outage reason says how many were silent', () => {
    const plan = computePlan(input({ servers: [silentFor('a', 200), silentFor('b', 200), silentFor('c', 200)] }));
    expect(plan.outage).toMatchObject({ silent: 3, heartbeating: 3 });
    expect(plan.outage?.reason).toMatch(/3 of 3 servers silent/);
  });

  it('a machine that is listed keeps its row out of markLost while bootTimeout still applies', () => {
    const row = server('a', { state: 'starting', createdAtMs: NOW - 601 * S });
    const plan = computePlan(input({ servers: [row], machines: [machine('p-a', { serverId: 'a', ip: row.ip })] }));
    expect(summarize(plan)).toEqual(expected({ bootTimeout: ['a'], shutdown: ['a'], teardown: ['a'] }));
  });
});

describe('stale servers are never offered', () => {
  it('computePlan() gives a pending session no ready server silent since before the start, and makes one instead', () => {
    const DAY = 86_400 * S;
    const dead = server('dead', {
      state: 'ready',
      players: 0,
      lastHeartbeatAtMs: NOW - 200 * DAY,
      readyAtMs: NOW - 200 * DAY,
    });
    const plan = computePlan(
      input({
        servers: [dead],
        sessions: [session('s1', { state: 'pending', serverId: null })],
        machines: [machineOf(dead)],
        settings: settings({ processStartedAtMs: NOW - 10 * S, maxServers: 5 }),
      }),
    );
    expect(summarize(plan)).toEqual(expected({ create: 1 }));
  });
});
