import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ProviderError, type MachineSpec } from '../../../src/providers/provider.js';
import { LocalProvider, type LocalProviderOptions } from '../../../src/providers/local/local-provider.js';
import { FakeClock } from '../../../src/util/clock.js';
import { fakeOrchestrator, heartbeats } from '../../examples/fake-orchestrator.js';
import { collectingLogger, isAlive, killQuietly, waitFor, type LogEntry } from './process-helpers.js';

const node = JSON.stringify(process.execPath);
const fixture = (name: string) => JSON.stringify(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)));
const SAMPLE_SERVER = `${node} ${JSON.stringify(fileURLToPath(new URL('../../../examples/game-server/server.mjs', import.meta.url)))}`;
const CREDENTIAL = 'per-server-credential-do-not-log';

let providers: LocalProvider[] = [];
let pids: number[] = [];

afterEach(async () => {
  await Promise.all(providers.map((p) => p.close()));
  pids.forEach(killQuietly);
  providers = [];
  pids = [];
});

function setup(opts: Partial<LocalProviderOptions> = {}) {
  const { logger, entries, text } = collectingLogger();
  const provider = new LocalProvider({ command: SAMPLE_SERVER, stopGraceMs: 300, logger, ...opts });
  providers.push(provider);
  /** The game server's pid, from the provider's "started" log entry. */
  const gamePid = (serverId: string): number => {
    const started = entries.find((e) => e.serverId === serverId && e.msg === 'game server started');
    if (!started) throw new Error(`${serverId} never started`);
    pids.push(started.gamePid as number);
    return started.gamePid as number;
  };
  const linesOf = (serverId: string) => entries.filter((e: LogEntry) => e.serverId === serverId).map((e) => e.msg);
  return { provider, entries, text, gamePid, linesOf };
}

const spec = (serverId: string): MachineSpec => ({
  serverId,
  credential: CREDENTIAL,
  orchestratorUrl: 'http://127.0.0.1:9',
  region: 'local',
});

/** Opens a WebSocket to the game server and resolves with its welcome message. */
function welcomeFrom(ip: string, port: number): Promise<{ type: string; id: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${ip}:${port}`);
    ws.once('message', (data) => {
      resolve(JSON.parse(data.toString()));
      ws.close();
    });
    ws.once('error', reject);
  });
}

async function connectWithRetry(ip: string, port: number) {
  // The machine is returned once spawned, not once listening (readiness is the heartbeat).
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      return await welcomeFrom(ip, port);
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

describe('LocalProvider', () => {
  it('create() gives each server its own loopback address and port, and the game server listens there', async () => {
    const { provider } = setup({ clock: new FakeClock(1_234) });
    const [a, b] = await Promise.all([provider.create(spec('a')), provider.create(spec('b'))]);
    expect(a).toMatchObject({ providerId: 'a', serverId: 'a', status: 'active', createdAtMs: 1_234 });
    expect(a.ip).toMatch(/^127\.0\.0\.(?!1$)\d+$/);
    expect(b.ip).toMatch(/^127\.0\.0\.\d+$/);
    expect(a.ip).not.toBe(b.ip);
    expect(a.port).toBeGreaterThan(0);
    expect(b.port).toBeGreaterThan(0);
    expect((await connectWithRetry(a.ip!, a.port!)).type).toBe('welcome');
    expect((await connectWithRetry(b.ip!, b.port!)).type).toBe('welcome');
  });

  it('named regions: each hands out addresses of its own block (the i-th 127.0.<i>.x) and reports its region', async () => {
    const { provider } = setup({ regions: ['local-a', 'local-b'] });
    const [a, b] = await Promise.all([
      provider.create({ ...spec('ra'), region: 'local-a' }),
      provider.create({ ...spec('rb'), region: 'local-b' }),
    ]);
    expect(a).toMatchObject({ region: 'local-a', ip: expect.stringMatching(/^127\.0\.0\.\d+$/) });
    expect(b).toMatchObject({ region: 'local-b', ip: expect.stringMatching(/^127\.0\.1\.\d+$/) });
    expect((await connectWithRetry(b.ip!, b.port!)).type).toBe('welcome');
    expect((await provider.list()).map((m) => [m.serverId, m.region]).sort()).toEqual([
      ['ra', 'local-a'],
      ['rb', 'local-b'],
    ]);
    const refused = await provider.create({ ...spec('rc'), region: 'local' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ProviderError);
    expect((refused as ProviderError).opts.status).toBe(422);
    expect((refused as Error).message).toBe('unknown local region local (this provider has local-a, local-b)');
  });

  it('the sample game server it starts heartbeats from its address, signed with its credential', async () => {
    const orch = await fakeOrchestrator(CREDENTIAL);
    try {
      const { provider } = setup();
      const m = await provider.create({ ...spec('hb'), orchestratorUrl: orch.url });
      const [first] = await waitFor(() => heartbeats(orch).length > 0 && heartbeats(orch), 'a heartbeat');
      expect(first).toMatchObject({ signatureOk: true, status: 200 });
      expect(first!.headers['server-id']).toBe('hb');
      expect(JSON.parse(first!.body)).toEqual({ droplet_ip: m.ip, connected_clients: 0 });
    } finally {
      await orch.close();
    }
  });

  it('create() is idempotent per server id, sequentially and concurrently', async () => {
    const { provider, entries } = setup();
    const [first, concurrent] = await Promise.all([provider.create(spec('same')), provider.create(spec('same'))]);
    const again = await provider.create(spec('same'));
    expect(concurrent).toEqual(first);
    expect(again).toEqual(first);
    expect(await provider.list()).toHaveLength(1);
    expect(entries.filter((e) => e.msg === 'game server started')).toHaveLength(1);
  });

  it('delete() during create() waits for the machine and stops it; create() during delete() makes a new one', async () => {
    const { provider, entries } = setup();
    const creating = provider.create(spec('x'));
    expect(await provider.delete('x')).toBe('gone');
    const first = await creating;
    expect(await provider.get('x')).toBeNull();
    await provider.create(spec('x'));
    const deleting = provider.delete('x');
    const second = await provider.create(spec('x'));
    expect(await deleting).toBe('gone');
    expect(await provider.get('x')).toEqual(second);
    expect(second.ip).not.toBe(first.ip);
    expect(entries.filter((e) => e.msg === 'game server started')).toHaveLength(3);
  });

  it('list() and get() show live machines only', async () => {
    const { provider } = setup();
    const a = await provider.create(spec('a'));
    const b = await provider.create(spec('b'));
    expect((await provider.list()).map((m) => m.serverId).sort()).toEqual(['a', 'b']);
    expect(await provider.get('a')).toEqual(a);
    expect(await provider.get('nope')).toBeNull();
    await provider.delete('a');
    expect(await provider.list()).toEqual([b]);
    expect(await provider.get('a')).toBeNull();
  });

  it('delete() stops the game server with SIGTERM and resolves gone once it has exited', async () => {
    const { provider, gamePid, linesOf } = setup({ stopGraceMs: 60_000 });
    const m = await provider.create(spec('a'));
    await connectWithRetry(m.ip!, m.port!);
    const pid = gamePid('a');
    const t0 = Date.now();
    expect(await provider.delete('a')).toBe('gone');
    expect(Date.now() - t0).toBeLessThan(30_000); // it exited on SIGTERM, not after the 60 s grace
    expect(isAlive(pid)).toBe(false);
    await waitFor(() => linesOf('a').includes('stopping signal=SIGTERM'), 'the server to log SIGTERM');
    expect(await provider.delete('a')).toBe('gone');
    expect(await provider.delete('never-made')).toBe('gone');
  });

  it('delete() SIGKILLs a game server that ignores SIGTERM after stopGraceMs', async () => {
    const { provider, gamePid, linesOf } = setup({ command: `${node} ${fixture('stubborn.mjs')}`, stopGraceMs: 200 });
    await provider.create(spec('stubborn'));
    await waitFor(() => linesOf('stubborn').some((l) => l.startsWith('pid=')), 'the fixture to start');
    const pid = gamePid('stubborn');
    const t0 = Date.now();
    expect(await provider.delete('stubborn')).toBe('gone');
    const elapsedMs = Date.now() - t0;
    expect(elapsedMs).toBeGreaterThanOrEqual(190);
    expect(elapsedMs).toBeLessThan(30_000); // killed, not waited on for ever (the time itself is no test's business)
    expect(isAlive(pid)).toBe(false);
    expect(linesOf('stubborn')).toContain('ignoring SIGTERM');
  });

  it('delete() also stops the processes the game server started', async () => {
    const { provider, linesOf } = setup({ command: `${node} ${fixture('with-helper.mjs')}` });
    await provider.create(spec('h'));
    const line = await waitFor(() => linesOf('h').find((l) => l.startsWith('pid=')), 'the helper pid');
    const [pid, helper] = [...line.matchAll(/=(\d+)/g)].map((m) => Number(m[1]));
    pids.push(pid!, helper!);
    expect(isAlive(helper!)).toBe(true);
    await provider.delete('h');
    await waitFor(() => !isAlive(helper!), 'the helper to die', 2000);
  });

  it('a game server that exits on its own triggers onExit and vanishes from list() and get()', async () => {
    const exits: [string, unknown][] = [];
    const { provider } = setup({
      command: `${node} ${fixture('exit-soon.mjs')}`,
      env: { EXIT_AFTER_MS: '100' },
      onExit: (id, info) => exits.push([id, info]),
    });
    await provider.create(spec('crashy'));
    await waitFor(() => exits.length > 0, 'onExit');
    expect(exits).toEqual([['crashy', { code: 3, signal: null }]]);
    expect(await provider.list()).toEqual([]);
    expect(await provider.get('crashy')).toBeNull();
    // Its id is free again: a new create makes a new process.
    await provider.create(spec('crashy'));
    expect(await provider.list()).toHaveLength(1);
  });

  it('onExit reports a game server killed by a signal, and not one stopped by delete()', async () => {
    const exits: [string, unknown][] = [];
    const { provider, gamePid } = setup({ onExit: (id, info) => exits.push([id, info]) });
    await provider.create(spec('killed'));
    await provider.create(spec('deleted'));
    process.kill(gamePid('killed'), 'SIGKILL');
    await provider.delete('deleted');
    await waitFor(() => exits.length > 0, 'onExit');
    expect(exits).toEqual([['killed', { code: null, signal: 'SIGKILL' }]]);
  });

  it('close() stops every game server and refuses new ones', async () => {
    const { provider, gamePid } = setup({ command: `${node} ${fixture('stubborn.mjs')}`, stopGraceMs: 100 });
    await Promise.all(['a', 'b', 'c'].map((id) => provider.create(spec(id))));
    const live = ['a', 'b', 'c'].map(gamePid);
    expect(live.every(isAlive)).toBe(true);
    await provider.close();
    expect(live.filter(isAlive)).toEqual([]);
    expect(await provider.list()).toEqual([]);
    await expect(provider.create(spec('d'))).rejects.toBeInstanceOf(ProviderError);
  });

  it('passes the game server its settings and none of the orchestrator secrets', async () => {
    const { provider, linesOf } = setup({
      command: `${node} ${fixture('env-report.mjs')}`,
      env: { HEARTBEAT_INTERVAL_MS: '123' },
      parentEnv: {
        PATH: '/usr/bin:/bin',
        HOME: '/home/x',
        NODE_ENV: 'test',
        NODE_AUTH_TOKEN: 't',
        DIGITALOCEAN_TOKEN: 'do',
        INTERNAL_HMAC_SECRET: 's',
        DATABASE_URL: 'pg://u:p@h/d',
        LC_ALL: 'C',
      },
    });
    const m = await provider.create(spec('env'));
    const line = await waitFor(() => linesOf('env').find((l) => l.startsWith('env=')), 'the env report');
    const env = JSON.parse(line.slice(4)) as Record<string, string>;
    expect(env).toMatchObject({
      PATH: '/usr/bin:/bin',
      HOME: '/home/x',
      NODE_ENV: 'test',
      LC_ALL: 'C',
      HEARTBEAT_INTERVAL_MS: '123',
      ORCHESTRATOR_URL: 'http://127.0.0.1:9',
      SERVER_ID: 'env',
      SERVER_CREDENTIAL: createHash('sha256').update(CREDENTIAL).digest('hex'),
      GAME_HOST: m.ip,
      PUBLIC_IP: m.ip,
      GAME_PORT: String(m.port),
    });
    for (const secret of ['NODE_AUTH_TOKEN', 'DIGITALOCEAN_TOKEN', 'INTERNAL_HMAC_SECRET', 'DATABASE_URL'])
      expect(env).not.toHaveProperty(secret);
  });

  it('create() rejects with a ProviderError when the command cannot start, and keeps nothing', async () => {
    const { provider } = setup({ command: '/nonexistent/game-server --flag' });
    await expect(provider.create(spec('bad'))).rejects.toThrow(/did not start: ENOENT/);
    expect(await provider.list()).toEqual([]);
  });

  it('never logs the credential', async () => {
    const { provider, text, linesOf } = setup();
    const m = await provider.create(spec('quiet'));
    await connectWithRetry(m.ip!, m.port!);
    await waitFor(() => linesOf('quiet').some((l) => l.startsWith('heartbeat')), 'a heartbeat attempt');
    await provider.delete('quiet');
    expect(text()).toContain('listening');
    expect(text()).not.toContain(CREDENTIAL);
  });
});
