import { afterEach, describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator.js';
import { FakeClock } from '../../src/util/clock.js';
import { testOrchestrator } from '../helpers/orchestrator.js';

/*
 * Issue 21 item 2: 40 addresses made 2,400 /v1 sessions with 4 KB of metadata in 4.6 s
 * (+28 MB) and nothing was ever deleted. Ended sessions now go after SESSIONS_RETENTION_S,
 * a bounded batch per reconcile pass; live ones never.
 */
let orch: Orchestrator | null = null;
afterEach(async () => {
  await orch?.close();
  orch = null;
});

const DAY = 86_400_000;
const ADMIN = 'retention-admin-token-0123456789abcdef';
const admin = { authorization: `Bearer ${ADMIN}` };

async function startFrom(o: Orchestrator, addr: string): Promise<string> {
  const r = await o.app.inject({
    method: 'POST',
    url: '/v1/sessions',
    remoteAddress: addr,
    payload: { metadata: { blob: 'x'.repeat(3900) } },
  });
  expect(r.statusCode).toBe(202);
  return r.json().code as string;
}

describe('ended sessions are pruned after SESSIONS_RETENTION_S', () => {
  it('200 ended sessions with 4 KB metadata from 40 addresses: kept for the retention, then deleted; live ones stay', async () => {
    const clock = new FakeClock();
    orch = await testOrchestrator(
      { MAX_SERVERS: '0', START_TIMEOUT_S: '3600', ADMIN_TOKEN: ADMIN, SESSIONS_PER_ADDRESS: '0' },
      { clock },
    );
    const store = orch.store;
    for (let round = 0; round < 5; round++) {
      const codes = await Promise.all(Array.from({ length: 40 }, (_, a) => startFrom(orch!, `198.51.100.${a + 1}`)));
      for (const code of codes)
        expect(
          (await orch.app.inject({ method: 'DELETE', url: `/v1/sessions/${code}`, headers: admin })).statusCode,
        ).toBe(200);
    }
    expect(await store.countSessions(['ended'])).toBe(200);

    clock.advance(6 * DAY);
    await orch.reconciler.runPass();
    expect(await store.countSessions(['ended'])).toBe(200);

    clock.advance(DAY + 1);
    const live = await startFrom(orch, '203.0.113.9');
    await orch.reconciler.runPass();
    expect(await store.countSessions(['ended'])).toBe(0);
    // The live session (and only it) is still there, with its metadata.
    const read = await orch.app.inject({ method: 'GET', url: `/v1/sessions/${live}` });
    expect(read.statusCode).toBe(200);
    expect((read.json().metadata as { blob: string }).blob).toHaveLength(3900);
    expect(await store.countSessions(['pending', 'active'])).toBe(1);
  });

  it('a pass prunes a bounded batch: the rest goes in the next passes, oldest first', async () => {
    const clock = new FakeClock();
    orch = await testOrchestrator({ MAX_SERVERS: '0', START_TIMEOUT_S: '3600', ADMIN_TOKEN: ADMIN }, { clock });
    const store = orch.store;
    const first = await startFrom(orch, '198.51.100.200');
    await orch.app.inject({ method: 'DELETE', url: `/v1/sessions/${first}`, headers: admin });
    clock.advance(1000);
    const second = await startFrom(orch, '198.51.100.201');
    await orch.app.inject({ method: 'DELETE', url: `/v1/sessions/${second}`, headers: admin });
    // The store verb itself: oldest first, at most `batch`.
    expect(await store.pruneEndedSessions(clock.now() + 1, 1)).toBe(1);
    expect((await orch.app.inject({ method: 'GET', url: `/v1/sessions/${first}` })).statusCode).toBe(404);
    expect((await orch.app.inject({ method: 'GET', url: `/v1/sessions/${second}` })).statusCode).toBe(200);
    // Not ended before the cutoff: kept.
    expect(await store.pruneEndedSessions(clock.now() - 500, 10)).toBe(0);
    expect(await store.pruneEndedSessions(clock.now() + 1, 10)).toBe(1);
  });

  it('SESSIONS_RETENTION_S below a day is refused at start-up, naming the variable', async () => {
    await expect(testOrchestrator({ SESSIONS_RETENTION_S: '60' })).rejects.toThrow(/SESSIONS_RETENTION_S/);
  });
});

describe('an Idempotency-Key that outlives its pruned session', () => {
  it('IDEMPOTENCY_TTL_S longer than SESSIONS_RETENTION_S: a retried start after the prune gets a new session, not a 409', async () => {
    const clock = new FakeClock();
    orch = await testOrchestrator(
      {
        MAX_SERVERS: '0',
        START_TIMEOUT_S: '3600',
        ADMIN_TOKEN: ADMIN,
        IDEMPOTENCY_TTL_S: String(30 * 86_400),
        SESSIONS_RETENTION_S: '86400',
      },
      { clock },
    );
    const start = () =>
      orch!.app.inject({ method: 'POST', url: '/v1/sessions', headers: { 'idempotency-key': 'k-1' }, payload: {} });
    const first = (await start()).json().code as string;
    expect((await start()).json().code).toBe(first);
    await orch.app.inject({ method: 'DELETE', url: `/v1/sessions/${first}`, headers: admin });
    clock.advance(2 * DAY);
    await orch.reconciler.runPass();
    expect((await orch.app.inject({ method: 'GET', url: `/v1/sessions/${first}` })).statusCode).toBe(404);
    const again = await start();
    expect(again.statusCode).toBe(202);
    const second = again.json().code as string;
    expect(second).not.toBe(first);
    // And the key now names the new session.
    expect((await start()).json().code).toBe(second);
  });
});
