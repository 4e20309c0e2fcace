import { describe, expect, it } from 'vitest';
import type { Server } from '../../../src/domain/server.js';
import type { Session } from '../../../src/domain/session.js';
import { computePlan } from '../../../src/reconcile/index.js';
import { computePlanYielding } from '../../../src/reconcile/plan.js';
import { TimeSlice } from '../../../src/util/time-slice.js';
import { input, machine, NOW, S, server, session, settings } from './fixtures.js';

/** 3,000 rows with work of every kind: idle ends, silent servers, adoptions, orphans, pending starts. */
function bigInput() {
  const servers: Server[] = [];
  const sessions: Session[] = [];
  for (let i = 0; i < 3000; i++) {
    const id = `s${String(i).padStart(5, '0')}`;
    const kind = i % 10;
    if (kind === 0)
      servers.push(server(id, { state: 'creating', providerId: null, ip: null, createdAtMs: NOW - 20 * S }));
    else if (kind === 1) servers.push(server(id, { lastHeartbeatAtMs: NOW - 200 * S }));
    else if (kind < 5) servers.push(server(id, { state: 'ready', players: 0 }));
    else {
      servers.push(server(id, { players: kind === 5 ? 0 : 2 }));
      sessions.push(session(`x${i}`, { serverId: id, lastPlayedAtMs: kind === 5 ? NOW - 400 * S : NOW - S }));
    }
  }
  for (let i = 0; i < 50; i++) sessions.push(session(`p${i}`, { state: 'pending', createdAtMs: NOW - S }));
  const base = input({
    servers,
    sessions,
    settings: settings({ maxServers: 10_000, poolMinReady: 2000, readiness: 'address', maxDeletesPerPass: 5000 }),
  });
  const machines = [...(base.machines ?? [])];
  for (const s of servers)
    if (s.state === 'creating') machines.push(machine(`new-${s.id}`, { serverId: s.id, ip: `10.9.${s.id.slice(-3)}` }));
  for (let i = 0; i < 30; i++) machines.push(machine(`orphan-${i}`));
  return { ...base, machines };
}

/** A slice that is always used up: every step yields. */
class EveryStep extends TimeSlice {
  override due(): boolean {
    return true;
  }
}

describe('computePlanYielding()', () => {
  it('plans exactly what computePlan() plans over a large world with every kind of work', async () => {
    const i = bigInput();
    const plan = computePlan(i);
    expect(plan.adopt.length).toBeGreaterThan(0);
    expect(plan.endSession.length).toBeGreaterThan(0);
    expect(plan.deleteOrphan.length).toBe(30);
    expect(await computePlanYielding(i, new EveryStep(0))).toEqual(plan);
  });

  it('lets the event loop run while it plans, many times over 3,000 rows', async () => {
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    try {
      await new Promise((resolve) => setImmediate(resolve));
      turns = 0;
      await computePlanYielding(bigInput(), new EveryStep(0));
    } finally {
      clearInterval(ticker);
    }
    // At least one turn per ROWS_PER_STEP rows loaded, plus one per phase.
    expect(turns).toBeGreaterThanOrEqual(5);
  });
});
