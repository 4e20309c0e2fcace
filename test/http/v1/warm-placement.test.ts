import { afterEach, describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../../src/orchestrator.js';
import { DIALECTS, dialectEnv } from '../../helpers/databases.js';
import { heartbeat, testOrchestrator } from '../../helpers/orchestrator.js';

/*
 * A warm start in one statement (PostgreSQL, issue 22) must place a /v1 start as the
 * transaction does (issue 23): a start naming another region never takes the default region's
 * ready server, and a start naming none records why it is in the default region. The 201
 * answer is built from the start statement's own rows, so it must say what a later read says.
 */
let orch: Orchestrator | null = null;
let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await orch?.close();
  await cleanup?.();
  orch = null;
  cleanup = null;
});

describe.each(DIALECTS)('/v1 warm starts and placement (%s)', (dialect) => {
  it('a start naming another region leaves the default region’s ready server; one naming none takes it, placed as default_region', async () => {
    const d = await dialectEnv(dialect);
    cleanup = d.cleanup;
    orch = await testOrchestrator({ ...d.env, REGIONS: 'local,far' });
    await orch.app.ready();
    expect((await heartbeat(orch.app, '198.51.100.20', 0)).statusCode).toBe(200);

    const far = await orch.app.inject({ method: 'POST', url: '/v1/sessions', payload: { region: 'far' } });
    expect(far.statusCode).toBe(202);
    expect(far.json()).toMatchObject({ state: 'pending', region: 'far', placement: 'requested_region', address: null });

    const here = await orch.app.inject({ method: 'POST', url: '/v1/sessions', payload: { max_players: 6 } });
    expect(here.statusCode).toBe(201);
    const answer = here.json<Record<string, unknown>>();
    expect(answer).toMatchObject({
      state: 'active',
      address: '198.51.100.20',
      region: 'local',
      placement: 'default_region',
      max_players: 6,
    });
    // The answer is what a later read says.
    const read = await orch.app.inject({ method: 'GET', url: String(here.headers.location) });
    expect(read.json()).toEqual(answer);
  });
});
