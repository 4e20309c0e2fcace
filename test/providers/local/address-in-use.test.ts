import { createServer, type Server as NetServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../../src/orchestrator.js';
import { LocalProvider } from '../../../src/providers/local/local-provider.js';
import { ProviderError } from '../../../src/providers/provider.js';
import { testOrchestrator } from '../../helpers/orchestrator.js';
import { collectingLogger, waitFor } from './process-helpers.js';

// A busy local address (#20 item 12): another process on a game server's address and port (a
// game server left running, another orchestrator on this machine) was reported as "machine
// gone from the provider". It must be reported as the address in use, and cost no server.

const node = JSON.stringify(process.execPath);
const path = (name: string) => JSON.stringify(fileURLToPath(new URL(name, import.meta.url)));
const SAMPLE_SERVER = `${node} ${path('../../../examples/game-server/server.mjs')}`;
const spec = (serverId: string) => ({
  serverId,
  credential: 'c',
  orchestratorUrl: 'http://127.0.0.1:9',
  region: 'local',
});

let blockers: NetServer[] = [];
let providers: LocalProvider[] = [];
let orch: Orchestrator | null = null;
afterEach(async () => {
  await orch?.close();
  orch = null;
  await Promise.all(providers.map((p) => p.close()));
  providers = [];
  await Promise.all(blockers.map((b) => new Promise((r) => b.close(r))));
  blockers = [];
});

/** Another process's listener on host:port (port 0: any free one); resolves with the port. */
async function block(host: string, port = 0): Promise<number> {
  const s = createServer();
  blockers.push(s);
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.listen({ host, port, exclusive: true }, resolve);
  });
  return (s.address() as { port: number }).port;
}

describe('a local game server whose address is in use', () => {
  it('with a fixed game port, skips an address where another process holds it (logged as such)', async () => {
    const port = await block('127.0.0.2'); // the first address handed out
    const { logger, text } = collectingLogger();
    const provider = new LocalProvider({ command: SAMPLE_SERVER, gamePort: port, stopGraceMs: 300, logger });
    providers.push(provider);
    const m = await provider.create(spec('s1'));
    expect(m).toMatchObject({ ip: '127.0.0.3', port });
    expect(text()).toContain(`address 127.0.0.2:${port} is in use by another process (EADDRINUSE); skipped`);
    // The game server on the next address is up and stays up.
    await new Promise((r) => setTimeout(r, 500));
    expect(await provider.get('s1')).not.toBeNull();
  });

  it('refuses the create, naming the port, EADDRINUSE and LOCAL_GAME_PORT, when every address tried is busy', async () => {
    const port = await block('0.0.0.0'); // every loopback address
    const { logger } = collectingLogger();
    const provider = new LocalProvider({ command: SAMPLE_SERVER, gamePort: port, stopGraceMs: 300, logger });
    providers.push(provider);
    const err = await provider.create(spec('s2')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as Error).message).toMatch(
      new RegExp(`^address in use \\(EADDRINUSE\\) on 127\\.0\\.0\\.2:${port}, .*LOCAL_GAME_PORT`),
    );
    expect(await provider.list()).toEqual([]);
  });

  it("a game server that fails to listen with EADDRINUSE: its row's history and log line say the address was in use, not 'machine gone'", async () => {
    const busy = await block('0.0.0.0');
    const { logger, entries } = collectingLogger();
    orch = await testOrchestrator(
      {
        POOL_MIN_READY: '1',
        LOCAL_GAME_PORT: '0',
        GAME_SERVER_COMMAND: `${node} ${path('./fixtures/listen-port.mjs')} ${busy}`,
      },
      { logger },
    );
    await orch.reconciler.runPass(); // creates the pool's server; its game server dies at once
    const [row] = await orch.store.listServers();
    await waitFor(
      () => entries.some((e) => e.serverId === row!.id && e.code === 1 && e.component === 'local-provider'),
      'the game server to exit',
      30_000,
    );
    await orch.reconciler.runPass(); // finds the machine gone
    const deleted = entries.find((e) => e.event === 'server.deleted' && e.serverId === row!.id);
    expect(deleted?.reason).toMatch(
      /^address in use \(EADDRINUSE\): the game server on 127\.0\.0\.\d+:\d+ could not listen/,
    );
    expect(String(deleted?.reason)).toContain(`EADDRINUSE: address already in use 127.0.0.`);
    expect((await orch.store.getServer(row!.id))?.reason).toBe(deleted?.reason);
  }, 60_000);
});
