import { describe, expect, it } from 'vitest';
import { computePlan } from '../../../src/reconcile/index.js';
import { expected, input, NOW, S, server, session, settings, summarize } from './fixtures.js';

describe('rows made by another provider than the running one', () => {
  it("computePlan() does not mark a 'digitalocean' row lost while the 'local' provider runs", () => {
    const foreign = server('do-1', { origin: 'digitalocean', providerId: '3164444' });
    const mine = server('local-1', { origin: 'local', providerId: 'local-1' });
    const plan = computePlan(
      input({
        provider: 'local',
        servers: [foreign, mine],
        sessions: [session('s1', { serverId: 'do-1' }), session('s2', { serverId: 'local-1' })],
        machines: [],
      }),
    );
    expect(summarize(plan)).toEqual(expected({ lookup: ['local-1'], endSession: [] }));
  });

  it('computePlan() neither adopts, tears down nor deletes as idle a foreign row through the running provider', () => {
    const plan = computePlan(
      input({
        provider: 'local',
        servers: [
          server('do-shut', { origin: 'digitalocean', state: 'shutdown' }),
          server('do-idle', { origin: 'digitalocean', state: 'ready', players: 0, readyAtMs: NOW - 50 * S }),
          server('do-creating', {
            origin: 'digitalocean',
            state: 'creating',
            providerId: null,
            ip: null,
            createdAtMs: NOW - 5 * S,
          }),
        ],
        machines: [],
        settings: settings({ poolMinReady: 0, poolBuffer: 0 }),
      }),
    );
    const s = summarize(plan);
    expect([s.teardown, s.deleteIdle, s.adopt, s.markLost]).toEqual([[], [], [], []]);
  });
});
