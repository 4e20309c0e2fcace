import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Server, ServerState } from '../../../src/domain/server.js';
import type { Session } from '../../../src/domain/session.js';
import type { Machine } from '../../../src/providers/provider.js';
import { computePlan, isEmptyPlan, planCounts, type PlanInput } from '../../../src/reconcile/index.js';
import { input, machine, machineOf, NOW, S, server, session, settings } from './fixtures.js';
import { simulate } from './simulate.js';

/** Applies plans until one is empty; returns how many plans it took. */
function converge(inp: PlanInput, maxPasses = 50): { passes: number; last: PlanInput } {
  let cur = inp;
  for (let i = 1; i <= maxPasses; i++) {
    const plan = computePlan(cur);
    if (isEmptyPlan(plan)) return { passes: i, last: cur };
    cur = simulate(cur, plan);
  }
  throw new Error(`no fixpoint after ${maxPasses} plans: ${JSON.stringify(planCounts(computePlan(cur)))}`);
}

/** Everything at once: lost, orphaned, timed out, silent, idle, pending, extra idle, a pool to fill. */
function busyWorld(o: Parameters<typeof settings>[0] = {}): PlanInput {
  const servers: Server[] = [
    server('creating-new', { state: 'creating', providerId: null, ip: null, createdAtMs: NOW - 5 * S }),
    server('creating-listed', { state: 'creating', providerId: null, ip: null, createdAtMs: NOW - 5 * S }),
    server('starting-old', { state: 'starting', createdAtMs: NOW - 700 * S }),
    server('lost', {}),
    server('silent', { lastHeartbeatAtMs: NOW - 500 * S }),
    server('idle-alloc', { players: 0 }),
    server('ready-1', { state: 'ready', players: 0, readyAtMs: NOW - 40 * S }),
    server('ready-2', { state: 'ready', players: 0, readyAtMs: NOW - 30 * S }),
    server('err', { state: 'error' }),
    server('ext', { origin: 'external', providerId: null, players: 0 }),
  ];
  const sessions: Session[] = [
    session('s-idle', { serverId: 'idle-alloc', lastPlayedAtMs: NOW - 999 * S }),
    session('s-lost', { serverId: 'lost' }),
    session('s-silent', { serverId: 'silent' }),
    session('s-ext', { serverId: 'ext', lastPlayedAtMs: NOW - 999 * S }),
    session('p-old', { state: 'pending', createdAtMs: NOW - 999 * S }),
    session('p-1', { state: 'pending', createdAtMs: NOW - 3 * S }),
  ];
  const machines: Machine[] = [
    ...servers.filter((s) => s.providerId && s.id !== 'lost').map((s) => machineOf(s)),
    machine('p-creating-listed', { serverId: 'creating-listed', ip: '9.9.9.9' }),
    machine('orphan', { serverId: 'long-gone' }),
  ];
  return input({ servers, sessions, machines, settings: settings({ poolMinReady: 1, ...o }) });
}

const EMPTY = planCounts(computePlan(input({})));

describe('computePlan is idempotent', () => {
  it.each([
    { name: 'defaults', o: {} },
    { name: 'recycling', o: { recycleServers: true } },
    { name: 'readiness by address', o: { readiness: 'address' as const } },
    { name: 'scale to zero', o: { poolMinReady: 0 } },
  ])('$name: applying the plan and planning again finds nothing to do', ({ o }) => {
    const inp = busyWorld(o);
    const plan = computePlan(inp);
    expect(plan.partial).toBe(false);
    expect(isEmptyPlan(plan)).toBe(false);
    expect(planCounts(computePlan(simulate(inp, plan)))).toEqual(EMPTY);
  });

  it('a capped plan reaches the fixpoint in the passes the caps imply', () => {
    const inp = { ...busyWorld(), settings: settings({ poolMinReady: 7, maxCreatesPerPass: 2, maxDeletesPerPass: 1 }) };
    expect(computePlan(inp).partial).toBe(true);
    expect(converge(inp).passes).toBeGreaterThan(3);
  });

  it('property: any uncapped snapshot is one plan from a fixpoint', () => {
    const states: ServerState[] = ['creating', 'starting', 'ready', 'allocated', 'unhealthy', 'error', 'shutdown'];
    const row = fc.record({
      state: fc.constantFrom(...states),
      external: fc.boolean(),
      listed: fc.boolean(),
      knowsMachine: fc.boolean(),
      players: fc.constantFrom(0, 0, 2),
      ageS: fc.integer({ min: 0, max: 2000 }),
      silentS: fc.integer({ min: 0, max: 300 }),
    });
    const sess = fc.record({
      kind: fc.constantFrom('pending', 'active', 'none'),
      ageS: fc.integer({ min: 0, max: 500 }),
      idleS: fc.integer({ min: 0, max: 600 }),
    });
    const cfg = fc.record({
      recycleServers: fc.boolean(),
      readiness: fc.constantFrom('heartbeat' as const, 'address' as const),
      poolMinReady: fc.integer({ min: 0, max: 3 }),
      poolBuffer: fc.integer({ min: 0, max: 3 }),
      maxServers: fc.integer({ min: 0, max: 12 }),
      listFails: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(row, sess), { maxLength: 12 }),
        fc.integer({ min: 0, max: 3 }),
        cfg,
        (rows, orphans, c) => {
          const inp = buildWorld(rows, orphans, c);
          const plan = computePlan(inp);
          // A capped plan leaves work by design; in an outage the next pass may judge a smaller
          // population (a lost machine, an ended session) and reap: both have their own tests.
          fc.pre(!plan.partial && !plan.outage);
          const after = simulate(inp, plan);
          const next = computePlan(after);
          // The one thing a second plan may add: creates that a confirmed teardown made room
          // for (the cap counts machines until their delete is confirmed), or that a lookup
          // by id made room for (a row counts as on its way until its machine is found gone).
          expect({ ...planCounts(next), create: 0 }).toEqual(EMPTY);
          if (next.create > 0) {
            expect(plan.teardown.some((s) => s.origin !== 'external') || plan.lookup.length > 0).toBe(true);
            expect(planCounts(computePlan(simulate(after, next)))).toEqual(EMPTY);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});

type RowGen = {
  state: ServerState;
  external: boolean;
  listed: boolean;
  knowsMachine: boolean;
  players: number;
  ageS: number;
  silentS: number;
};
type SessGen = { kind: string; ageS: number; idleS: number };

function buildWorld(
  rows: [RowGen, SessGen][],
  orphans: number,
  c: { listFails: boolean } & Parameters<typeof settings>[0],
): PlanInput {
  const servers: Server[] = [];
  const machines: Machine[] = [];
  const sessions: Session[] = [];
  rows.forEach(([r, s], i) => {
    const id = `r${i}`;
    const external = r.external && ['ready', 'allocated'].includes(r.state);
    const hasIp = !['creating'].includes(r.state);
    const row = server(id, {
      state: r.state,
      origin: external ? 'external' : 'digitalocean',
      providerId: external || !r.knowsMachine ? null : `p-${id}`,
      ip: hasIp ? `10.1.0.${i}` : null,
      players: r.players,
      createdAtMs: NOW - r.ageS * S,
      lastHeartbeatAtMs: NOW - r.silentS * S,
    });
    servers.push(row);
    if (!external && r.listed)
      machines.push(machine(`p-${id}`, { serverId: id, ip: row.ip, createdAtMs: row.createdAtMs }));
    if (s.kind === 'pending') sessions.push(session(`s${i}`, { state: 'pending', createdAtMs: NOW - s.ageS * S }));
    if (s.kind === 'active' && r.state === 'allocated')
      sessions.push(
        session(`s${i}`, { serverId: id, activatedAtMs: NOW - s.ageS * S, lastPlayedAtMs: NOW - s.idleS * S }),
      );
  });
  for (let i = 0; i < orphans; i++)
    machines.push(machine(`o${i}`, { serverId: i % 2 ? null : `gone${i}`, createdAtMs: NOW - i * 100 * S }));
  const { listFails, ...o } = c;
  return input({
    servers,
    sessions,
    machines: listFails ? null : machines,
    settings: settings({ maxCreatesPerPass: 100, maxDeletesPerPass: 100, ...o }),
  });
}
