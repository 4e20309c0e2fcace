import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startService, waitFor, type RunningService } from '../helpers/processes.js';

const ADMIN = 'region-pools-admin-token';
const auth = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };

/**
 * Issue 23 item 4 with real processes: `serve` on the local provider with two named regions, the
 * sample game server booted in each. Each region's pool holds its own target, an operator's
 * change to one region moves only that one, and /metrics carries the region label.
 */
describe('e2e: a warm pool per region (local provider, two named regions)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'orch-region-pools-'));
  let svc: RunningService | null = null;
  afterAll(async () => {
    if (svc && svc.proc.exitCode === null) {
      svc.proc.kill('SIGTERM');
      await Promise.race([svc.exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (svc.proc.exitCode === null) svc.proc.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  /** orchestrator_pool_servers{kind, region} as scraped now. */
  async function pool(kind: string, region: string): Promise<number | null> {
    const text = await (await fetch(`${svc!.url}/metrics`)).text();
    const m = new RegExp(`^orchestrator_pool_servers\\{kind="${kind}",region="${region}"\\} (\\S+)$`, 'm').exec(text);
    return m ? Number(m[1]) : null;
  }
  const holds = (a: number, b: number) => async () =>
    (await pool('idle', 'local-a')) === a && (await pool('idle', 'local-b')) === b ? true : null;

  it('each region fills and keeps its own pool; a change to one region moves only that one', async () => {
    svc = await startService(['serve'], {
      DB_PATH: path.join(dir, 'orchestrator.db'),
      LOCAL_GAME_PORT: String(await freePort()),
      LOCAL_HEARTBEAT_INTERVAL_MS: '300',
      REGIONS: 'local-a,local-b',
      POOL_MIN_READY: '1',
      REGION_POOL_MIN_READY: 'local-b=2',
      MAX_SERVERS: '6',
      RECONCILE_INTERVAL_S: '1',
      ADMIN_TOKEN: ADMIN,
      LOG_LEVEL: 'info',
    });
    await waitFor('local-a holds 1 idle server, local-b 2', holds(1, 2), 40_000, 200);
    expect(await pool('target', 'local-a')).toBe(1);
    expect(await pool('target', 'local-b')).toBe(2);
    const status = (await (await fetch(`${svc.url}/v1/status`, { headers: auth })).json()) as {
      pool: { regions: { region: string; target: number }[] };
    };
    expect(status.pool.regions.map((r) => [r.region, r.target])).toEqual([
      ['local-a', 1],
      ['local-b', 2],
    ]);
    const change = await fetch(`${svc.url}/v1/pool?region=local-b`, {
      method: 'PATCH',
      headers: auth,
      body: JSON.stringify({ min_ready: 0 }),
    });
    expect(change.status).toBe(200);
    expect(((await change.json()) as { region: string }).region).toBe('local-b');
    await waitFor('local-b sheds its pool, local-a keeps its one', holds(1, 0), 40_000, 200);
    expect(await pool('target', 'local-b')).toBe(0);
  }, 120_000);
});
