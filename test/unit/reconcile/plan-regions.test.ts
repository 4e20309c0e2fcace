import { describe, expect, it } from 'vitest';
import { computePlan } from '../../../src/reconcile/index.js';
import { input, NOW, S, server, session, settings } from './fixtures.js';

const regions = { names: ['ams3', 'nyc3', 'sgp1'], defaultRegion: 'ams3', maxServers: { sgp1: 1 } };
const idle = (id: string, region: string) =>
  server(id, { region, state: 'ready', players: 0, readyAtMs: NOW - 100 * S });
const pending = (id: string, region: string, ageS = 10) =>
  session(id, { region, state: 'pending', createdAtMs: NOW - ageS * S });

/** Issue 23: a pending session gets a server of its own region, made there under that region's cap. */
describe('plan per region', () => {
  it('a pending session takes an idle server of its region only, never another region', () => {
    const plan = computePlan(
      input({
        servers: [idle('a1', 'ams3'), idle('n1', 'nyc3')],
        sessions: [pending('s-sgp', 'sgp1', 30), pending('s-nyc', 'nyc3', 20)],
        settings: settings({ regions }),
      }),
    );
    expect(plan.offer).toEqual(['n1']);
    // The sgp1 session gets a server made in sgp1; ams3's idle one (a pool of 0) goes.
    expect(plan.createIn).toEqual({ sgp1: 1 });
    expect(plan.create).toBe(1);
    expect(plan.deleteIdle.map((s) => s.serverId)).toEqual(['a1']);
  });

  it("the default region keeps the configured pool; other regions make servers only for their pending sessions, under the region's cap", () => {
    const plan = computePlan(
      input({
        servers: [],
        sessions: [pending('s1', 'sgp1'), pending('s2', 'sgp1'), pending('s3', 'nyc3')],
        settings: settings({ regions, poolMinReady: 2 }),
      }),
    );
    expect(plan.createIn).toEqual({ ams3: 2, nyc3: 1, sgp1: 1 });
    expect(plan.pool?.atMaxServers).toBe(true);
  });

  it('all regions together stay under MAX_SERVERS and the per-pass cap', () => {
    const sessions = [pending('s1', 'nyc3'), pending('s2', 'nyc3'), pending('s3', 'sgp1')];
    const capped = computePlan(input({ sessions, settings: settings({ regions, maxServers: 2 }) }));
    expect(capped.createIn).toEqual({ nyc3: 2 });
    const perPass = computePlan(input({ sessions, settings: settings({ regions, maxCreatesPerPass: 1 }) }));
    expect(perPass.createIn).toEqual({ nyc3: 1 });
    expect(perPass.partial).toBe(true);
  });

  it('without regions configured: one region, as before', () => {
    const plan = computePlan(input({ sessions: [pending('s1', 'local')], settings: settings({ poolMinReady: 1 }) }));
    expect(plan.createIn).toEqual({ local: 2 });
  });
});
