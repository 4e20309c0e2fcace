import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../../src/emulator/index.js';
import { createStore } from '../../../src/store/create-db.js';
import { storeSharedBudget } from '../../../src/store/shared-budget.js';
import type { Store } from '../../../src/store/store.js';
import { systemClock } from '../../../src/util/clock.js';
import { makeDoProvider } from './do-test-kit.js';

/*
 * Issue 22 item 4: the DigitalOcean API budget was kept per process, so three replicas each
 * spent DigitalOcean's 250 a minute and together drew 429s. Replicas on one database now draw
 * from one budget kept there. Two providers (two replicas) on one SQLite file and the emulator
 * over HTTP, with a burst limit of 20 a minute on both sides.
 */
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function world(): Promise<{ emu: RunningEmulator; store: Store }> {
  const emu = await startEmulator({ burstPerMinute: 20 });
  cleanups.push(() => emu.close());
  const dir = mkdtempSync(path.join(tmpdir(), 'shared-budget-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const store = await createStore({ kind: 'sqlite', path: path.join(dir, 'o.db') });
  cleanups.push(() => store.close());
  return { emu, store };
}

/** Two replicas' providers, each listing 20 times at once; the outcomes and what reached the API. */
async function twoReplicasList(emu: RunningEmulator, store: Store | null) {
  const replicas = [0, 1].map(() =>
    makeDoProvider(emu.url, {
      burstPerMinute: 20,
      maxRetries: 0,
      maxRateWaitMs: 50,
      ...(store ? { sharedBudget: storeSharedBudget(store, systemClock, 'api-budget:digitalocean') } : {}),
    }),
  );
  cleanups.push(...replicas.map((p) => () => p.close?.()));
  const outcomes = await Promise.allSettled(replicas.flatMap((p) => Array.from({ length: 20 }, () => p.list())));
  const reached = Object.entries(emu.requestCounts())
    .filter(([route]) => route.startsWith('GET /v2/droplets'))
    .reduce((n, [, c]) => n + c, 0);
  const refused = outcomes.filter((o) => o.status === 'rejected').map((o) => String(o.reason));
  return { ok: outcomes.filter((o) => o.status === 'fulfilled').length, reached, refused };
}

describe('one DigitalOcean API budget for every replica on the database', () => {
  // Reads leave 5% of a window to deletes and creates: 19 of 20 a minute.
  it("two replicas listing 40 times in a moment send 19 (the limit less the reads' reserve), none drawing a 429", async () => {
    const { emu, store } = await world();
    const r = await twoReplicasList(emu, store);
    expect(r.reached).toBe(19);
    expect(r.ok).toBe(19);
    expect(r.refused).toHaveLength(21);
    // Refused before sending (by this replica's budget or the shared one), never by the API.
    for (const e of r.refused) expect(e).toMatch(/: (shared )?rate budget exhausted, next slot in/);
    expect(r.refused.filter((e) => e.includes('shared rate budget')).length).toBeGreaterThanOrEqual(2);
  });

  it('without the shared budget (as before) the same burst sends 38 and the API refuses 18 with 429', async () => {
    const { emu } = await world();
    const r = await twoReplicasList(emu, null);
    expect(r.reached).toBe(38);
    expect(r.ok).toBe(20);
    expect(r.refused.filter((e) => !/rate budget exhausted/.test(e))).toHaveLength(18);
  });
});
