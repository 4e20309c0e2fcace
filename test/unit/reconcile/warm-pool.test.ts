import { describe, expect, it } from 'vitest';
import { computePlan, computePool, type PoolInput } from '../../../src/reconcile/index.js';
import { expected, input, machine, NOW, S, server, session, settings, summarize } from './fixtures.js';

const idle = (n: number, o: Parameters<typeof server>[1] = {}) =>
  Array.from({ length: n }, (_, i) =>
    server(`i${i}`, { state: 'ready', players: 0, readyAtMs: NOW - (100 - i) * S, ...o }),
  );

interface PoolCase {
  name: string;
  pool: Omit<PoolInput, 'settings'> & { settings?: Partial<PoolInput['settings']> };
  want: { create: number; deleteIdle: number; atMaxServers?: boolean };
}

const poolCases: PoolCase[] = [
  {
    name: 'scale to zero: an empty pool stays empty',
    pool: { idleReady: [], coming: 0, pending: 0, liveMade: 0 },
    want: { create: 0, deleteIdle: 0 },
  },
  {
    name: 'scale to zero: idle servers beyond a pool of 0 go',
    pool: { idleReady: idle(3), coming: 0, pending: 0, liveMade: 3 },
    want: { create: 0, deleteIdle: 3 },
  },
  {
    name: 'min: fills to poolMinReady',
    pool: { idleReady: [], coming: 0, pending: 0, liveMade: 0, settings: { poolMinReady: 2 } },
    want: { create: 2, deleteIdle: 0 },
  },
  {
    name: 'min: servers on their way count',
    pool: { idleReady: idle(1), coming: 1, pending: 0, liveMade: 2, settings: { poolMinReady: 2 } },
    want: { create: 0, deleteIdle: 0 },
  },
  {
    name: 'buffer: max(min, buffer) idle wanted',
    pool: { idleReady: idle(1), coming: 0, pending: 0, liveMade: 5, settings: { poolMinReady: 1, poolBuffer: 3 } },
    want: { create: 2, deleteIdle: 0 },
  },
  {
    name: 'buffer: allocated servers do not change the idle wanted',
    pool: { idleReady: idle(2), coming: 0, pending: 0, liveMade: 8, settings: { poolBuffer: 2 } },
    want: { create: 0, deleteIdle: 0 },
  },
  {
    name: 'pending: one server per pending session not covered by coming ones',
    pool: { idleReady: [], coming: 2, pending: 5, liveMade: 2 },
    want: { create: 3, deleteIdle: 0 },
  },
  {
    name: 'pending: covered sessions need nothing more',
    pool: { idleReady: [], coming: 3, pending: 3, liveMade: 3 },
    want: { create: 0, deleteIdle: 0 },
  },
  {
    name: 'pending plus pool: pending sessions take coming servers first',
    pool: { idleReady: [], coming: 3, pending: 3, liveMade: 3, settings: { poolMinReady: 2 } },
    want: { create: 2, deleteIdle: 0 },
  },
  {
    name: 'max cap: never past maxServers under pending load',
    pool: { idleReady: [], coming: 0, pending: 200, liveMade: 7, settings: { maxServers: 10 } },
    want: { create: 3, deleteIdle: 0, atMaxServers: true },
  },
  {
    name: 'max cap: at the cap nothing is made',
    pool: { idleReady: [], coming: 0, pending: 200, liveMade: 10, settings: { maxServers: 10 } },
    want: { create: 0, deleteIdle: 0, atMaxServers: true },
  },
  {
    name: 'max cap: above the cap (lowered) nothing is made',
    pool: { idleReady: [], coming: 0, pending: 1, liveMade: 12, settings: { maxServers: 10 } },
    want: { create: 0, deleteIdle: 0, atMaxServers: true },
  },
  {
    name: 'max cap 0: nothing ever',
    pool: {
      idleReady: [],
      coming: 0,
      pending: 0,
      liveMade: 0,
      settings: { maxServers: 0, poolMinReady: 0, poolBuffer: 5 },
    },
    want: { create: 0, deleteIdle: 0, atMaxServers: true },
  },
  {
    name: 'coming servers are never deleted for being extra',
    pool: { idleReady: [], coming: 4, pending: 0, liveMade: 4 },
    want: { create: 0, deleteIdle: 0 },
  },
  {
    name: 'external idle servers count as supply',
    pool: {
      idleReady: idle(1, { origin: 'external' }),
      coming: 0,
      pending: 0,
      liveMade: 0,
      settings: { poolMinReady: 1 },
    },
    want: { create: 0, deleteIdle: 0 },
  },
  {
    name: 'external idle servers are never deleted',
    pool: { idleReady: idle(2, { origin: 'external' }), coming: 0, pending: 0, liveMade: 0 },
    want: { create: 0, deleteIdle: 0 },
  },
];

describe('computePool', () => {
  it.each(poolCases)('$name', (c) => {
    const d = computePool({
      ...c.pool,
      settings: { poolMinReady: 0, poolBuffer: 0, maxServers: 10, ...c.pool.settings },
    });
    expect({
      create: d.create,
      deleteIdle: d.deleteIdle.length,
      ...(c.want.atMaxServers !== undefined ? { atMaxServers: d.atMaxServers } : {}),
    }).toEqual(c.want);
  });

  it('deletes the newest-ready first, keeping the longest-ready (handed out first)', () => {
    const d = computePool({
      idleReady: idle(4),
      coming: 0,
      pending: 0,
      liveMade: 4,
      settings: { poolMinReady: 1, poolBuffer: 0, maxServers: 10 },
    });
    expect(d.deleteIdle.map((s) => s.id)).toEqual(['i3', 'i2', 'i1']);
  });
});

describe('computePlan: the pool and the per-pass caps', () => {
  it('fills to poolMinReady', () => {
    expect(summarize(computePlan(input({ settings: settings({ poolMinReady: 2 }) })))).toEqual(expected({ create: 2 }));
  });

  it('maxCreatesPerPass caps creates and marks the pass partial', () => {
    expect(summarize(computePlan(input({ settings: settings({ poolMinReady: 8, maxCreatesPerPass: 3 }) })))).toEqual(
      expected({ create: 3, partial: true }),
    );
  });

  it('the hard cap is not partial: another pass would not make more', () => {
    const servers = [server('a'), server('b')];
    expect(summarize(computePlan(input({ servers, settings: settings({ poolMinReady: 2, maxServers: 2 }) })))).toEqual(
      expected({}),
    );
  });

  it('200 pending sessions never push creates past maxServers', () => {
    const sessions = Array.from({ length: 200 }, (_, i) => session(`p${i}`, { state: 'pending' }));
    const plan = computePlan(
      input({ servers: [server('a')], sessions, settings: settings({ maxServers: 10, maxCreatesPerPass: 100 }) }),
    );
    expect(plan.create).toBe(9);
    expect(plan.partial).toBe(false);
  });

  it('maxDeletesPerPass is shared: teardowns first, then orphans, then idle extras', () => {
    const servers = [server('t', { state: 'shutdown' }), ...idle(2)];
    const machines = [
      ...servers.map((s) => machine(s.providerId!, { serverId: s.id })),
      machine('o1', { createdAtMs: NOW - 999 * S }),
      machine('o2', { createdAtMs: NOW - 998 * S }),
    ];
    const cap = (n: number) =>
      summarize(computePlan(input({ servers, machines, settings: settings({ maxDeletesPerPass: n }) })));
    expect(cap(2)).toEqual(expected({ teardown: ['t'], deleteOrphan: ['o1'], partial: true }));
    expect(cap(4)).toEqual(
      expected({ teardown: ['i1', 't'], deleteIdle: ['i1'], deleteOrphan: ['o1', 'o2'], partial: true }),
    );
    expect(cap(5)).toEqual(
      expected({ teardown: ['i0', 'i1', 't'], deleteIdle: ['i0', 'i1'], deleteOrphan: ['o1', 'o2'] }),
    );
  });

  it('a capped teardown still moves unhealthy rows to shutdown', () => {
    const servers = [server('a', { state: 'unhealthy' }), server('b', { state: 'unhealthy' })];
    expect(summarize(computePlan(input({ servers, settings: settings({ maxDeletesPerPass: 1 }) })))).toEqual(
      expected({ shutdown: ['a', 'b'], teardown: ['a'], partial: true }),
    );
  });

  it('external teardowns cost no provider call and no budget', () => {
    const servers = [
      server('e1', { state: 'shutdown', origin: 'external', providerId: null }),
      server('e2', { state: 'shutdown', origin: 'external', providerId: null }),
      server('a', { state: 'shutdown' }),
    ];
    expect(summarize(computePlan(input({ servers, settings: settings({ maxDeletesPerPass: 1 }) })))).toEqual(
      expected({ teardown: ['a', 'e1', 'e2'] }),
    );
  });

  it('shrinks to the pool: idle servers beyond max(min, buffer) are deleted', () => {
    expect(summarize(computePlan(input({ servers: idle(3), settings: settings({ poolMinReady: 1 }) })))).toEqual(
      expected({ deleteIdle: ['i1', 'i2'], teardown: ['i1', 'i2'] }),
    );
  });
});
