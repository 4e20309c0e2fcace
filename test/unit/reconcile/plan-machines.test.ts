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

const creating = (id: string, ageS: number, o: Parameters<typeof server>[1] = {}) =>
  server(id, {
    state: 'creating',
    providerId: null,
    ip: null,
    readyAtMs: null,
    lastHeartbeatAtMs: null,
    createdAtMs: NOW - ageS * S,
    ...o,
  });

interface Case {
  name: string;
  in: PlanInput;
  want: PlanSummary;
}

const cases: Case[] = [
  {
    name: 'interrupted create: its creator died (lease over) and no machine is listed past the listing lag → lost at once',
    in: input({ servers: [creating('a', 20, { owner: 'dead', leaseUntilMs: NOW - 1 })], machines: [] }),
    want: expected({ markLost: ['a'] }),
  },
  {
    name: 'interrupted create younger than a listing lag: wait (its machine may not be listed yet)',
    in: input({ servers: [creating('a', 3, { owner: 'dead', leaseUntilMs: NOW - 1 })], machines: [] }),
    want: expected({}),
  },
  {
    name: 'a create whose creator still holds the lease is on its way, however long the provider takes (until the orphan grace)',
    in: input({ servers: [creating('a', 60, { owner: 'alive', leaseUntilMs: NOW + 5 * S })], machines: [] }),
    want: expected({}),
  },
  {
    name: 'interrupted create whose machine is listed: adopted, not lost',
    in: input({
      servers: [creating('a', 60, { owner: 'dead', leaseUntilMs: NOW - 1 })],
      machines: [machine('p-a', { serverId: 'a', ip: '1.2.3.9' })],
    }),
    want: expected({ adopt: ['a'] }),
  },
  { name: 'a healthy server in use needs nothing', in: input({ servers: [server('a')] }), want: expected({}) },
  {
    name: 'adopt: a creating row whose machine shows an address moves to starting',
    in: input({
      servers: [creating('a', 10)],
      machines: [machine('p-a', { serverId: 'a', ip: '1.2.3.4', createdAtMs: NOW - 5 * S })],
    }),
    want: expected({ adopt: ['a'] }),
  },
  {
    name: 'adopt: a creating row learns its machine id before the address',
    in: input({ servers: [creating('a', 10)], machines: [machine('p-a', { serverId: 'a' })] }),
    want: expected({ adopt: ['a'] }),
  },
  {
    name: 'adopt: nothing to record when the row knows the machine and it has no address yet',
    in: input({ servers: [creating('a', 10, { providerId: 'p-a' })], machines: [machine('p-a', { serverId: null })] }),
    want: expected({}),
  },
  {
    name: 'adopt: a row a heartbeat made ready before its create returned gets its machine id',
    in: input({ servers: [server('a', { providerId: null })], machines: [machine('p-a', { serverId: 'a' })] }),
    want: expected({ adopt: ['a'] }),
  },
  {
    name: 'adopt, not delete: a machine of a creating row is adopted however old it is',
    in: input({
      servers: [creating('a', 10)],
      machines: [machine('p-a', { serverId: 'a', createdAtMs: NOW - 9999 * S })],
    }),
    want: expected({ adopt: ['a'] }),
  },
  {
    name: 'promote: readiness by address makes a starting row with an address ready',
    in: input({
      servers: [server('a', { state: 'starting', readyAtMs: null, lastHeartbeatAtMs: null })],
      settings: settings({ readiness: 'address' }),
    }),
    want: expected({ promote: ['a'] }),
  },
  {
    name: 'promote: readiness by heartbeat waits for the game',
    in: input({ servers: [server('a', { state: 'starting', readyAtMs: null, lastHeartbeatAtMs: null })] }),
    want: expected({}),
  },
  {
    name: 'adopt with readiness by address goes straight to ready (no separate promote)',
    in: input({
      servers: [creating('a', 10)],
      machines: [machine('p-a', { serverId: 'a', ip: '1.2.3.4' })],
      settings: settings({ readiness: 'address' }),
    }),
    want: expected({ adopt: ['a'] }),
  },
  {
    name: 'deleteOrphan: a machine naming no live row, past the grace',
    in: input({ machines: [machine('p-x', { serverId: 'gone', createdAtMs: NOW - 121 * S })] }),
    want: expected({ deleteOrphan: ['p-x'] }),
  },
  {
    name: 'deleteOrphan: not within the grace (its row may be a moment away)',
    in: input({ machines: [machine('p-x', { serverId: 'gone', createdAtMs: NOW - 119 * S })] }),
    want: expected({}),
  },
  {
    name: 'deleteOrphan: a tagged machine without a parseable server id',
    in: input({ machines: [machine('p-x', { serverId: null })] }),
    want: expected({ deleteOrphan: ['p-x'] }),
  },
  {
    name: 'deleteOrphan: a second machine carrying the id of a row that has its own',
    in: input({ servers: [server('a')], machines: [machineOf(server('a')), machine('p-a2', { serverId: 'a' })] }),
    want: expected({ deleteOrphan: ['p-a2'] }),
  },
  {
    name: 'deleteOrphan: a machine of a deleted row (its delete was lost) goes',
    in: input({ servers: [], machines: [machine('p-old', { serverId: 'old' })] }),
    want: expected({ deleteOrphan: ['p-old'] }),
  },
  {
    name: 'lookup, not markLost: a ready row whose machine the listing lacks is asked about by id first',
    in: input({ servers: [server('a')], machines: [] }),
    want: expected({ lookup: ['a'] }),
  },
  {
    name: 'lookup: an allocated row keeps its session until the lookup answers (no endSession)',
    in: input({
      servers: [server('a', { state: 'allocated', players: 3 })],
      sessions: [session('s1', { serverId: 'a' })],
      machines: [],
    }),
    want: expected({ lookup: ['a'] }),
  },
  {
    name: 'markLost: a young creating row waits (lists lag)',
    in: input({ servers: [creating('a', 119)], machines: [] }),
    want: expected({}),
  },
  {
    name: 'markLost: a creating row past the grace',
    in: input({ servers: [creating('a', 121)], machines: [] }),
    want: expected({ markLost: ['a'] }),
  },
  {
    name: 'a shutdown row whose machine the listing lacks is torn down by id (a 404 confirms it gone)',
    in: input({ servers: [server('a', { state: 'shutdown' })], machines: [] }),
    want: expected({ teardown: ['a'] }),
  },
  {
    name: 'markLost: a shutdown row that never learned its machine id is deleted without a provider call',
    in: input({ servers: [server('a', { state: 'shutdown', providerId: null })], machines: [] }),
    want: expected({ markLost: ['a'] }),
  },
  {
    name: 'lookup: a ready row never offered to a pending session while its machine is unlisted',
    in: input({
      servers: [server('a', { state: 'ready', players: 0 })],
      sessions: [session('s1', { state: 'pending', serverId: null, activatedAtMs: null })],
      machines: [],
    }),
    want: expected({ lookup: ['a'], create: 1 }),
  },
  {
    name: 'lookups are capped by maxDeletesPerPass; the rest wait for the next pass',
    in: input({
      servers: [server('a'), server('b'), server('c')],
      machines: [],
      settings: settings({ maxDeletesPerPass: 2 }),
    }),
    want: expected({ lookup: ['a', 'b'], partial: true }),
  },
  {
    name: 'markLost: an error row from a refused create (no machine) is deleted',
    in: input({ servers: [creating('a', 5, { state: 'error' })], machines: [] }),
    want: expected({ markLost: ['a'] }),
  },
  {
    name: 'external servers have no machine and are never lost',
    in: input({ servers: [server('e', { origin: 'external', providerId: null })], machines: [] }),
    want: expected({}),
  },
  {
    name: 'list failed: nothing lost, adopted, orphaned or created; idle sessions still end',
    in: input({
      servers: [server('a'), creating('b', 999), server('c', { state: 'allocated', players: 0 })],
      sessions: [session('s1', { serverId: 'c', lastPlayedAtMs: NOW - 301 * S })],
      machines: null,
      settings: settings({ poolMinReady: 3 }),
    }),
    want: expected({ bootTimeout: ['b'], shutdown: ['b'], endSession: ['s1:idle'], teardown: ['c'] }),
  },
];

describe('computePlan: machines and rows', () => {
  it.each(cases)('$name', (c) => {
    expect(summarize(computePlan(c.in))).toEqual(c.want);
  });

  it('teardown of a shutdown row that never learned its machine id uses the listed one', () => {
    const row = server('a', { state: 'shutdown', providerId: null });
    const plan = computePlan(input({ servers: [row], machines: [machine('p-a', { serverId: 'a' })] }));
    expect(plan.teardown.map((s) => s.providerId)).toEqual(['p-a']);
    expect(plan.deleteOrphan).toEqual([]);
  });

  it('never mutates its input', () => {
    const inp = input({
      servers: [server('a'), creating('b', 999)],
      sessions: [session('s1', { serverId: 'a', lastPlayedAtMs: 0 })],
      machines: [],
    });
    const before = structuredClone(inp);
    computePlan(inp);
    expect(inp).toEqual(before);
  });
});
