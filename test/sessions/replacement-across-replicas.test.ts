import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator.js';
import { RegionRefusals } from '../../src/sessions/region-refusals.js';
import { openDatabase, type DatabaseOptions } from '../../src/store/open-database.js';
import { DIALECTS, freshPgSchema } from '../helpers/databases.js';
import { testOrchestrator } from '../helpers/orchestrator.js';

/**
 * Issue 23: a pending session placed by latencies is re-placed when its region's provider refuses
 * creates — by whichever replica sees the refusal. Two orchestrators on one database: the start
 * goes to one, the refusal is handled by the other (which never saw the request, as after a
 * restart or on another replica). It moves to the next region within its cap, not ended.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'replace-replicas-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe.each(DIALECTS)('re-placement across replicas (%s)', (dialect) => {
  async function database(): Promise<{ env: Record<string, string>; opts: DatabaseOptions }> {
    if (dialect === 'sqlite') {
      const file = path.join(dir, `${Math.random().toString(36).slice(2)}.db`);
      return { env: { DB_PATH: file }, opts: { kind: 'sqlite', path: file } };
    }
    const s = await freshPgSchema();
    cleanups.push(s.drop);
    return { env: { DATABASE_URL: s.url }, opts: { kind: 'postgres', url: s.url } };
  }
  async function replica(env: Record<string, string>): Promise<Orchestrator> {
    const o = await testOrchestrator({ REGIONS: 'local-a,local-b', MAX_SERVERS: '4', ...env });
    cleanups.push(() => o.close());
    return o;
  }

  /** The machine made in local-a is refused (its row gone), and local-a refuses creates, as `b` records it. */
  async function refuseLocalA(opts: DatabaseOptions, b: Orchestrator): Promise<void> {
    const raw = openDatabase(opts).db;
    await raw.updateTable('servers').set({ state: 'deleted' }).where('region', '=', 'local-a').execute();
    await raw.destroy();
    await new RegionRefusals(60).record(b.store, 'local-a', Date.now());
  }

  it('a session started on one replica is re-placed by another, by the request kept on its row', async () => {
    const db = await database();
    const a = await replica(db.env);
    const b = await replica(db.env);
    const latencies = { latencies: [{ 'local-a': 10, 'local-b': 40 }], max_latency_ms: 100 };
    const started = await a.app.inject({ method: 'POST', url: '/v1/sessions', payload: latencies });
    expect(started.statusCode).toBe(202);
    expect(started.json()).toMatchObject({ state: 'pending', region: 'local-a', placement: 'nearest_cold_start' });
    await refuseLocalA(db.opts, b);

    expect(await b.sessions.replacer!.replaceIn('local-a')).toEqual({ moved: 1, ended: 0 });
    const after = await b.app.inject({ method: 'GET', url: `/v1/sessions/${started.json().code}` });
    expect(after.json()).toMatchObject({
      state: 'pending',
      region: 'local-b',
      placement: 'cold_start_in_slower_region',
    });
  });

  it('a session that named its region is not re-placed: it ends region_unavailable, its client starts again', async () => {
    const db = await database();
    const a = await replica(db.env);
    const b = await replica(db.env);
    const started = await a.app.inject({ method: 'POST', url: '/v1/sessions', payload: { region: 'local-a' } });
    expect(started.statusCode).toBe(202);
    await refuseLocalA(db.opts, b);

    expect(await b.sessions.replacer!.replaceIn('local-a')).toEqual({ moved: 0, ended: 1 });
    const after = await b.app.inject({ method: 'GET', url: `/v1/sessions/${started.json().code}` });
    expect(after.json()).toMatchObject({ state: 'ended', end_reason: 'region_unavailable' });
  });
});
