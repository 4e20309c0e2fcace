import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startService, waitFor, type RunningService } from '../helpers/processes.js';

/**
 * Issue 23 as a new user would try it (docs/api.md "Regions and placement"): `serve` with the
 * local provider and two named regions, real game server processes, plain HTTP.
 */
describe('e2e: placement by latency over two local regions', () => {
  let dir: string;
  let svc: RunningService | null = null;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'orch-regions-'));
  });
  afterAll(async () => {
    if (svc && svc.proc.exitCode === null) svc.proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('GET /v1/regions lists both; a party starts in the region of its worst player, the original route in the default', async () => {
    svc = await startService(['serve'], {
      DB_PATH: path.join(dir, 'orchestrator.db'),
      LOCAL_GAME_PORT: String(await freePort()),
      LOCAL_HEARTBEAT_INTERVAL_MS: '300',
      REGIONS: 'local-a,local-b',
      MAX_SERVERS: '4',
      RECONCILE_INTERVAL_S: '1',
      START_TIMEOUT_S: '30',
      LOG_LEVEL: 'info',
    });
    const url = svc.url;
    const regions = (await (await fetch(`${url}/v1/regions`)).json()) as { items: { name: string; state: string }[] };
    expect(regions.items.map((r) => [r.name, r.state])).toEqual([
      ['local-a', 'usable'],
      ['local-b', 'usable'],
    ]);
    const start = await fetch(`${url}/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        latencies: [
          { 'local-a': 12, 'local-b': 40 },
          { 'local-a': 55, 'local-b': 20 },
        ],
        max_latency_ms: 100,
      }),
    });
    const s = (await start.json()) as { code: string; region: string; placement: string };
    expect([start.status, s.region, s.placement]).toEqual([202, 'local-b', 'nearest_cold_start']);
    let address: string | null = null;
    await waitFor(
      'the session active on a local-b server',
      async () => {
        const v = (await (await fetch(`${url}/v1/sessions/${s.code}?wait=5`)).json()) as { address: string | null };
        address = v.address;
        return address !== null;
      },
      40_000,
      100,
    );
    // local-b is the second region listed: its servers are on 127.0.1.x.
    expect(address).toMatch(/^127\.0\.1\.\d+$/);
    const compat = await fetch(`${url}/sessions/start`, { method: 'POST' });
    expect(compat.status).toBe(200);
    expect(((await compat.json()) as { ip_address: string }).ip_address).toMatch(/^127\.0\.0\.\d+$/);
  }, 90_000);
});
