import { afterEach, expect, it } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator.js';
import { heartbeat, testOrchestrator } from '../helpers/orchestrator.js';

/**
 * Issue 21 item 7: 0.0.0.0, 255.255.255.255, :: and 127.0.0.1 registered as external servers
 * (signed with the shared key) and were handed to players. (That silent external servers no
 * longer switch the outage guard on is in test/unit/reconcile/plan-servers.test.ts.)
 */
let orch: Orchestrator | null = null;
afterEach(async () => {
  await orch?.close();
  orch = null;
});

const cloud = {
  PROVIDER: 'digitalocean',
  DIGITALOCEAN_TOKEN: 'dop_v1_test',
  SNAPSHOT_ID: '7555620',
  DO_API_URL: 'http://127.0.0.1:9',
};

it.each(['0.0.0.0', '255.255.255.255', '::', '224.0.0.1', 'ff02::1', '127.0.0.1', '::1'])(
  'a shared-key heartbeat from %s registers nothing (4xx with a reason)',
  async (ip) => {
    orch = await testOrchestrator(cloud);
    const r = await heartbeat(orch.app, ip, 0);
    expect(r.statusCode).toBe(422);
    expect(String(r.json<{ detail: unknown }>().detail)).toMatch(/players cannot reach/);
    expect(await orch.store.listServers()).toEqual([]);
  },
);

it('loopback servers are fine with the local provider (they run on this machine)', async () => {
  orch = await testOrchestrator();
  expect((await heartbeat(orch.app, '127.0.0.5', 0)).statusCode).toBe(200);
  expect((await heartbeat(orch.app, '0.0.0.0', 0)).statusCode).toBe(422);
});
