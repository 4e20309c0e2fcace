import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import type { Orchestrator } from '../../src/orchestrator.js';
import { heartbeat, testOrchestrator } from '../helpers/orchestrator.js';
import { waitFor } from '../helpers/processes.js';

/**
 * Moving over from the original service (issue #20, items 4 and 5): its femquest.db names
 * droplets it made under its own tag (`femquest-server`), while this orchestrator lists by
 * DROPLET_TAG. The real DigitalOcean provider talks to the emulator over HTTP.
 */
const OLD_TAG = 'femquest-server';
const NEW_TAG = 'game-server';
const dir = mkdtempSync(path.join(tmpdir(), 'femquest-migration-'));
let emu: RunningEmulator | null = null;
let orch: Orchestrator | null = null;
let beating: NodeJS.Timeout | null = null;
afterEach(async () => {
  if (beating) clearInterval(beating);
  await orch?.close();
  await emu?.close();
  orch = emu = null;
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A droplet as the original made it: tagged with its tag only, not named after any row of ours. */
async function oldDroplet(e: RunningEmulator, name: string): Promise<{ id: number; ip: string }> {
  const res = await fetch(`${e.url}/v2/droplets`, {
    method: 'POST',
    headers: { authorization: 'Bearer dop_v1_test', 'content-type': 'application/json' },
    body: JSON.stringify({ name, region: 'nyc3', size: 's-1vcpu-1gb', image: 7555620, tags: [OLD_TAG] }),
  });
  expect(res.status).toBe(202);
  const id = ((await res.json()) as { droplet: { id: number } }).droplet.id;
  let ip: string | null = null;
  await waitFor('the old droplet active with an address', () => {
    ip = e.droplets().find((d) => d.id === id)?.publicIpv4 ?? null;
    return ip !== null;
  });
  return { id, ip: ip! };
}

const alive = (e: RunningEmulator) => e.droplets().filter((d) => d.deletedAtMs === null);

describe('importing a femquest.db whose droplets carry the old tag', () => {
  it('adopts the live droplets (our tag added), deletes the stale ones, forgets only what the provider says is gone, and never hands out a stale server', async () => {
    emu = await startEmulator({ bootDelayMs: 0 });
    const live = await oldDroplet(emu, 'femquest-live');
    const spare = await oldDroplet(emu, 'femquest-spare');
    const deadIdle = await oldDroplet(emu, 'femquest-dead-idle');
    const deadGame = await oldDroplet(emu, 'femquest-dead-game');
    // Most servers silent since 2024: the outage guard must not read that as our own outage.
    const deadIdle2 = await oldDroplet(emu, 'femquest-dead-idle-2');

    const file = path.join(dir, 'femquest.db');
    const old = new Database(file);
    old.exec(`CREATE TABLE game_droplets (ipv4 TEXT PRIMARY KEY, connected_clients INTEGER, fresh_game BOOLEAN,
      last_heartbeat TEXT, droplet_id INTEGER DEFAULT 0, share_tag TEXT UNIQUE)`);
    const now = new Date().toISOString();
    const monthsAgo = '2024-05-01T12:00:00';
    const insert = old.prepare('INSERT INTO game_droplets VALUES (?, ?, ?, ?, ?, ?)');
    insert.run(live.ip, 2, 0, now, live.id, 'abc123');
    insert.run(spare.ip, 0, 0, now, spare.id, null);
    insert.run(deadIdle.ip, 0, 0, monthsAgo, deadIdle.id, null);
    insert.run(deadGame.ip, 1, 0, monthsAgo, deadGame.id, 'xyz789');
    insert.run(deadIdle2.ip, 0, 0, monthsAgo, deadIdle2.id, null);
    // A droplet deleted long ago (by hand): the provider answers 404 for it.
    insert.run('203.0.113.99', 0, 0, monthsAgo, 987654321, null);
    old.close();

    orch = await testOrchestrator(
      {
        DB_PATH: file,
        PROVIDER: 'digitalocean',
        DIGITALOCEAN_TOKEN: 'dop_v1_test',
        SNAPSHOT_ID: '7555620',
        DO_API_URL: emu.url,
        DROPLET_TAG: NEW_TAG,
        READINESS: 'address',
        HEARTBEAT_PERIOD_S: '2',
        HEARTBEAT_FAILURE_THRESHOLD: '2',
        RECONCILE_INTERVAL_S: '0.5',
        ORPHAN_GRACE_S: '600',
        MAX_SERVERS: '10',
        DO_RETRY_BASE_MS: '50',
      },
      { reconcile: true },
    );
    const o = orch;
    // The two live game servers keep heartbeating, as they would through the move.
    beating = setInterval(() => {
      void heartbeat(o.app, live.ip, 2);
      void heartbeat(o.app, spare.ip, 0);
    }, 500);

    // Starts from the first moment on: never a server silent since 2024.
    const handedOut: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await o.app.inject({ method: 'POST', url: '/sessions/start' });
      if (r.statusCode === 200) handedOut.push(r.json<{ ip_address: string }>().ip_address);
    }
    for (const dead of [deadIdle, deadIdle2, deadGame]) expect(handedOut).not.toContain(dead.ip);

    await waitFor(
      'stale droplets deleted, live ones adopted, the vanished row forgotten',
      async () => {
        const gone = (id: number) => emu!.droplets().find((d) => d.id === id)?.deletedAtMs != null;
        const tagged = (id: number) =>
          emu!
            .droplets()
            .find((d) => d.id === id)
            ?.tags.includes(NEW_TAG) === true;
        const rows = await o.store.listServers();
        const vanished = rows.find((s) => s.providerId === '987654321');
        return (
          gone(deadIdle.id) &&
          gone(deadIdle2.id) &&
          gone(deadGame.id) &&
          tagged(live.id) &&
          tagged(spare.id) &&
          vanished?.state === 'deleted'
        );
      },
      60_000,
      100,
    );
    // Nothing of the old service's runs on outside our tag: every live droplet is one we list.
    expect(alive(emu).filter((d) => !d.tags.includes(NEW_TAG))).toEqual([]);
    expect(alive(emu).map((d) => d.id)).toEqual(expect.arrayContaining([live.id, spare.id]));
    // The live game's code still joins its server; the dead game's session ended with its server.
    const join = await o.app.inject({ method: 'POST', url: '/sessions/join?game_tag=ABC123' });
    expect(join.json()).toEqual({ ip_address: live.ip });
    const deadJoin = await o.app.inject({ method: 'POST', url: '/sessions/join?game_tag=XYZ789' });
    expect(deadJoin.statusCode).toBe(404);
    // Every start so far (and one more now) got a server heard from since the move.
    const last = await o.app.inject({ method: 'POST', url: '/sessions/start' });
    if (last.statusCode === 200) handedOut.push(last.json<{ ip_address: string }>().ip_address);
    for (const dead of [deadIdle, deadIdle2, deadGame]) expect(handedOut).not.toContain(dead.ip);
    const events = await o.store.listEvents(0, 1000);
    expect(events.filter((e) => e.kind === 'orphan.adopted').length).toBeGreaterThanOrEqual(2);
  }, 120_000);
});
