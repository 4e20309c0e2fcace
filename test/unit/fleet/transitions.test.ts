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

/** Every (from, to) pair against a real SQLite store: the table decides, nothing else. */
describe('moveServer: the one checked server move', () => {
  let store: Store;
  beforeEach(async () => {
    store = await createStore({ kind: 'sqlite', path: ':memory:' });
  });
  afterEach(async () => store.close());

  for (const from of SERVER_STATES) {
    for (const to of SERVER_STATES) {
      const allowed = canTransitionServer(from, to);
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
