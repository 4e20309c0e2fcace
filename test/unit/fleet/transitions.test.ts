import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventKind } from '../../../src/domain/events.js';
import { canTransitionServer, SERVER_STATES, ServerState } from '../../../src/domain/server.js';
import { moveServer, refusedMoves } from '../../../src/fleet/transitions.js';
import { createStore } from '../../../src/store/create-db.js';
import type { Store } from '../../../src/store/store.js';
import type { Log } from '../../../src/util/log.js';
import { makeServer, T0 } from '../../store/fixtures.js';

function recordingLog(): Log & { errors: object[] } {
  const errors: object[] = [];
  const log = { errors, debug() {}, info() {}, warn() {}, error: (o: object) => void errors.push(o), child: () => log };
  return log;
}

/**
 * The 64 outcomes, written out here rather than read from SERVER_TRANSITIONS: a wrong entry in
 * the code's table must fail this test, so the expectation may not come from that table.
 * Rows are `from`, columns `to`, in SERVER_STATES order; Y: moves, -: refused as a bug.
 */
const EXPECTED = `
            creating starting ready allocated unhealthy error shutdown deleted
  creating      -       Y      Y      Y         Y       Y      Y        Y
  starting      -       -      Y      Y         Y       Y      Y        Y
  ready         -       -      -      Y         Y       -      Y        Y
  allocated     -       -      Y      -         Y       -      Y        Y
  unhealthy     -       -      -      -         -       -      Y        Y
  error         -       -      -      -         -       -      Y        Y
  shutdown      -       -      -      -         -       -      -        Y
  deleted       -       -      -      -         -       -      -        -
`;

function expectedOutcomes(): Map<string, boolean> {
  const [header, ...rows] = EXPECTED.trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/));
  const outcomes = new Map<string, boolean>();
  for (const [from, ...cells] of rows) {
    cells.forEach((cell, i) => outcomes.set(`${from} → ${header![i]}`, cell === 'Y'));
  }
  return outcomes;
}

describe('the expected outcomes', () => {
  it('name every state in order, 64 pairs, and agree with canTransitionServer', () => {
    const outcomes = expectedOutcomes();
    expect(EXPECTED.trim().split('\n')[0]!.trim().split(/\s+/)).toEqual(SERVER_STATES);
    expect(outcomes.size).toBe(64);
    for (const from of SERVER_STATES)
      for (const to of SERVER_STATES)
        expect([from, to, canTransitionServer(from, to)]).toEqual([from, to, outcomes.get(`${from} → ${to}`)]);
  });
});

/** Every (from, to) pair against a real SQLite store, expected as written above. */
describe('moveServer: the one checked server move', () => {
  let store: Store;
  beforeEach(async () => {
    store = await createStore({ kind: 'sqlite', path: ':memory:' });
  });
  afterEach(async () => store.close());

  const outcomes = expectedOutcomes();
  for (const from of SERVER_STATES) {
    for (const to of SERVER_STATES) {
      const allowed = outcomes.get(`${from} → ${to}`);
      it(`${from} → ${to}: ${allowed ? 'moves, with its event' : 'refused as a bug, nothing changes'}`, async () => {
        const log = recordingLog();
        const s = makeServer({ state: from });
        await store.insertServer(s);
        const before = refusedMoves.count;
        const moved = await store.transaction((tx) =>
          moveServer(tx, log, s.id, [from], to, { reason: 'walk' }, T0 + 5),
        );
        const row = await store.getServer(s.id);
        const events = await store.listEvents(0, 10);
        if (allowed) {
          expect(moved?.state).toBe(to);
          expect(row?.state).toBe(to);
          expect(row?.stateChangedAtMs).toBe(T0 + 5);
          expect(events).toHaveLength(1);
          expect(events[0]).toMatchObject({
            kind: to === ServerState.Deleted ? EventKind.ServerDeleted : EventKind.ServerStateChanged,
            serverId: s.id,
            data: { from, to, reason: 'walk' },
          });
          expect(log.errors).toHaveLength(0);
        } else {
          expect(moved).toBeNull();
          expect(row).toEqual(s);
          expect(events).toHaveLength(0);
          expect(refusedMoves.count).toBe(before + 1);
          expect(log.errors[0]).toMatchObject({ bug: true, serverId: s.id, to });
        }
      });
    }
  }

  it('a lost race (the row is not in `from`) is null, not a bug, and writes no event', async () => {
    const log = recordingLog();
    const s = makeServer({ state: 'allocated' });
    await store.insertServer(s);
    expect(
      await store.transaction((tx) => moveServer(tx, log, s.id, [ServerState.Ready], ServerState.Shutdown, {}, T0)),
    ).toBeNull();
    expect(log.errors).toHaveLength(0);
    expect(await store.listEvents(0, 10)).toHaveLength(0);
  });

  it('one illegal `from` among legal ones refuses the whole move', async () => {
    const log = recordingLog();
    const s = makeServer({ state: 'ready' });
    await store.insertServer(s);
    expect(
      await store.transaction((tx) =>
        moveServer(tx, log, s.id, [ServerState.Ready, ServerState.Deleted], ServerState.Shutdown, {}, T0),
      ),
    ).toBeNull();
    expect((await store.getServer(s.id))?.state).toBe('ready');
  });
});
