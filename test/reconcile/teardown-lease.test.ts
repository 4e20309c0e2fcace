import { afterEach, describe, expect, it } from 'vitest';
import { harness, type Harness } from './harness.js';

/*
 * The teardown lease (fleet/machine-teardown.ts): a request's delete in flight on one replica
 * is asked of the provider once, not again by another replica's request nor by the leader's
 * pass once the handoff has passed (the three-replica e2e test saw such deletes asked twice
 * on a loaded machine, where a request's delete took longer than TEARDOWN_HANDOFF_S).
 */
let h: Harness;
afterEach(async () => {
  await h?.close();
});

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !ok(); i++) await new Promise((r) => setTimeout(r, 2));
  if (!ok()) throw new Error(`never: ${what}`);
}

async function shutDown(h: Harness) {
  const ready = await h.readyServer();
  const shut = await h.store.transaction((tx) => h.ops.retire(tx, ready, 'ended by the game server'));
  expect(shut.state).toBe('shutdown');
  return shut;
}

describe('teardown lease across replicas (SQLite)', () => {
  it('a delete in flight on one replica is not asked again by another nor by the leader after the handoff', async () => {
    h = await harness({ teardownHandoffS: 1 });
    const shut = await shutDown(h);
    let open!: () => void;
    h.provider.deleteGate = new Promise<void>((r) => (open = r));
    const first = h.ops.teardown(shut);
    await until('the first delete reaches the provider', () => h.provider.calls.delete === 1);

    // Another replica's reconciler (its own ServerOps, its own instance id), leading.
    const leader = h.withSettings({ teardownHandoffS: 1.5 });
    // Past the handoff, inside the lease (15 s; the holder renews it every 5 s meanwhile).
    h.clock.advance(6_000);
    const pass = await leader.runPass();
    expect(pass.planned?.teardown ?? 0).toBe(0);
    h.clock.advance(12_000);
    expect((await leader.runPass()).planned?.teardown ?? 0).toBe(0);
    expect(h.provider.calls.delete).toBe(1);

    open();
    expect(await first).toBe(true);
    expect((await h.server(shut.id)).state).toBe('deleted');
    expect(h.provider.calls.delete).toBe(1);
  });

  it('a holder that died leaves the row to the leader once its lease runs out; a failed delete hands it over at once', async () => {
    h = await harness({ teardownHandoffS: 1 });
    const dead = await shutDown(h);
    const t0 = h.clock.now();
    expect(await h.store.claimServerTeardown(dead.id, 'a-replica-killed-mid-delete', t0, t0 + 15_000)).toBe(true);
    const leader = h.withSettings({ teardownHandoffS: 1.5 });
    h.clock.advance(6_000);
    expect((await leader.runPass()).planned?.teardown ?? 0).toBe(0);
    expect(h.provider.calls.delete).toBe(0);
    h.clock.advance(10_000);
    expect((await leader.runPass()).planned?.teardown).toBe(1);
    expect(h.provider.calls.delete).toBe(1);
    expect((await h.server(dead.id)).state).toBe('deleted');

    // A delete the provider does not confirm releases the lease: the leader asks again at its next pass.
    const pending = await shutDown(h);
    h.provider.deleteAnswer = 'pending';
    expect(await h.ops.teardown(pending)).toBe(false);
    h.provider.deleteAnswer = 'gone';
    h.clock.advance(2_000);
    expect((await leader.runPass()).planned?.teardown).toBe(1);
    expect((await h.server(pending.id)).state).toBe('deleted');
  });
});
