import { describe, expect, it } from 'vitest';
import { assessHeartbeats, heartbeatFailures, isSilent } from '../../../src/reconcile/index.js';
import { NOW, S, server, settings } from './fixtures.js';

const hs = settings({ heartbeatPeriodS: 10, heartbeatFailureThreshold: 3, outageSilentFraction: 0.5 });

describe('heartbeatFailures (Agones counting)', () => {
  it.each([
    { sinceS: 0, failures: 0, silent: false },
    { sinceS: 9.999, failures: 0, silent: false },
    { sinceS: 10, failures: 1, silent: false },
    { sinceS: 29.999, failures: 2, silent: false },
    { sinceS: 30, failures: 3, silent: true },
    { sinceS: 1000, failures: 100, silent: true },
    { sinceS: -5, failures: 0, silent: false },
  ])('$sinceS s since the last heartbeat → $failures failures', ({ sinceS, failures, silent }) => {
    const s = server('a', { lastHeartbeatAtMs: NOW - sinceS * S });
    expect(heartbeatFailures(s, NOW, hs.heartbeatPeriodS)).toBe(failures);
    expect(isSilent(s, NOW, hs)).toBe(silent);
  });

  it('a server that never heartbeated counts from when it became ready', () => {
    expect(heartbeatFailures(server('a', { lastHeartbeatAtMs: null, readyAtMs: NOW - 25 * S }), NOW, 10)).toBe(2);
    expect(
      heartbeatFailures(
        server('a', { lastHeartbeatAtMs: null, readyAtMs: null, stateChangedAtMs: NOW - 45 * S }),
        NOW,
        10,
      ),
    ).toBe(4);
  });
});

describe('assessHeartbeats: the outage guard', () => {
  const mk = (silent: number, healthy: number, extra: Parameters<typeof server>[1] = {}) => [
    ...Array.from({ length: silent }, (_, i) => server(`s${i}`, { lastHeartbeatAtMs: NOW - 60 * S, ...extra })),
    ...Array.from({ length: healthy }, (_, i) => server(`h${i}`, { lastHeartbeatAtMs: NOW - 1 * S })),
  ];
  it.each([
    { silent: 0, healthy: 5, fraction: 0.5, outage: false },
    { silent: 1, healthy: 0, fraction: 0.5, outage: false },
    { silent: 2, healthy: 0, fraction: 0.5, outage: true },
    { silent: 2, healthy: 2, fraction: 0.5, outage: false },
    { silent: 3, healthy: 2, fraction: 0.5, outage: true },
    { silent: 2, healthy: 98, fraction: 0, outage: true },
    { silent: 10, healthy: 0, fraction: 1, outage: false },
    { silent: 9, healthy: 1, fraction: 0.8, outage: true },
  ])(
    '$silent silent of $silent+$healthy with fraction $fraction → outage $outage',
    ({ silent, healthy, fraction, outage }) => {
      const a = assessHeartbeats(mk(silent, healthy), NOW, { ...hs, outageSilentFraction: fraction });
      expect(a.silent).toHaveLength(silent);
      expect(a.heartbeating).toBe(silent + healthy);
      expect(a.outage !== null).toBe(outage);
    },
  );

  it('only ready and allocated servers are expected to heartbeat', () => {
    const servers = [
      server('c', { state: 'creating', lastHeartbeatAtMs: null, readyAtMs: null, stateChangedAtMs: NOW - 999 * S }),
      server('st', { state: 'starting', lastHeartbeatAtMs: null, readyAtMs: null, stateChangedAtMs: NOW - 999 * S }),
      server('sh', { state: 'shutdown', lastHeartbeatAtMs: NOW - 999 * S }),
      server('r', { state: 'ready', lastHeartbeatAtMs: NOW - 999 * S }),
    ];
    const a = assessHeartbeats(servers, NOW, hs);
    expect(a.heartbeating).toBe(1);
    expect(a.silent.map((x) => x.server.id)).toEqual(['r']);
  });
});

describe('servers silent since before this process started (an imported femquest.db)', () => {
  const DAY = 86_400 * S;
  const old = (id: string, state: 'ready' | 'allocated' = 'ready') =>
    server(id, { state, players: 0, lastHeartbeatAtMs: NOW - 200 * DAY, readyAtMs: NOW - 200 * DAY });
  const fresh = (id: string, silentS: number) => server(id, { lastHeartbeatAtMs: NOW - silentS * S });

  it('neither trip the outage guard nor are spared by it: reaped once the threshold has passed since the start', () => {
    const started = { ...hs, processStartedAtMs: NOW - 31 * S };
    const a = assessHeartbeats([old('a'), old('b'), old('c', 'allocated'), fresh('d', 1)], NOW, started);
    expect(a.outage).toBeNull();
    expect(a.silent.map((x) => x.server.id)).toEqual(['a', 'b', 'c']);
  });

  it('get the threshold counted from the start to speak again (a restart after our own downtime)', () => {
    const started = { ...hs, processStartedAtMs: NOW - 29 * S };
    expect(isSilent(old('a'), NOW, started)).toBe(false);
    expect(isSilent(old('a'), NOW + 1 * S, started)).toBe(true);
  });

  it('a restart shorter than the threshold keeps the guard: servers heard just before it still count', () => {
    const started = { ...hs, processStartedAtMs: NOW - 20 * S };
    const a = assessHeartbeats([fresh('a', 40), fresh('b', 40), fresh('c', 1)], NOW, started);
    expect(a.outage).not.toBeNull();
  });

  it('beside servers that went silent after the start, the guard judges only those', () => {
    const started = { ...hs, processStartedAtMs: NOW - 100 * S };
    const a = assessHeartbeats([old('a'), old('b'), fresh('x', 40), fresh('y', 40), fresh('z', 1)], NOW, started);
    expect(a.outage).toMatchObject({ silent: 2, heartbeating: 3 });
  });
});
