import { afterEach, describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator.js';
import { importLegacyRows } from '../../src/store/legacy-import.js';
import { endServer, heartbeat, testOrchestrator } from '../helpers/orchestrator.js';

let orch: Orchestrator;
afterEach(async () => orch.close());

const liveServers = async () => (await orch.store.listServers()).filter((s) => s.state !== 'deleted');
const start = () => orch.app.inject({ method: 'POST', url: '/sessions/start' });

describe('addresses are stored and compared in one spelling', () => {
  it('heartbeats from 2001:DB8::1 and 2001:0db8:0000::1 are one server, stored as 2001:db8::1', async () => {
    orch = await testOrchestrator();
    expect((await heartbeat(orch.app, '2001:DB8::1', 1)).statusCode).toBe(200);
    expect((await heartbeat(orch.app, '2001:0db8:0000::1', 2)).statusCode).toBe(200);
    const servers = await liveServers();
    expect(servers.map((s) => [s.ip, s.players])).toEqual([['2001:db8::1', 2]]);
  });

  it('::ffff:127.0.0.3 is the same server as 127.0.0.3: it is not handed to a second session', async () => {
    orch = await testOrchestrator({ MAX_SERVERS: '0' });
    expect((await heartbeat(orch.app, '127.0.0.3', 0)).statusCode).toBe(200);
    const first = await start();
    expect(first.json()).toMatchObject({ ip_address: '127.0.0.3' });
    expect((await heartbeat(orch.app, '::ffff:127.0.0.3', 1)).statusCode).toBe(200);
    expect((await liveServers()).length).toBe(1);
    expect((await start()).statusCode).toBe(503);
    // The end names it in the other spelling and still finds it.
    expect((await endServer(orch.app, '::FFFF:7f00:3')).json()).toEqual({
      message: 'Game session ended and local session entry removed (no DigitalOcean droplet).',
    });
  });

  it('a non-address droplet_ip is still a 422 in FastAPI shape', async () => {
    orch = await testOrchestrator();
    for (const bad of ['fe80::1%eth0', '010.0.0.1', 'example.com']) {
      const r = await heartbeat(orch.app, bad, 0);
      expect(r.statusCode).toBe(422);
      expect(r.json().detail[0]).toMatchObject({ type: 'ip_any_address', loc: ['body', 'droplet_ip'] });
    }
  });

  it('legacy import stores canonical addresses, so the original server heartbeating in another spelling is the same one', async () => {
    orch = await testOrchestrator();
    await importLegacyRows(orch.store, [{ ipv4: '2001:DB8:0:0::7', share_tag: null, droplet_id: null }], Date.now());
    expect((await heartbeat(orch.app, '2001:db8::7', 3)).statusCode).toBe(200);
    expect((await liveServers()).map((s) => [s.ip, s.players])).toEqual([['2001:db8::7', 3]]);
  });
});
