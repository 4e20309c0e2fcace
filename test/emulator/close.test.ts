import { request, Agent } from 'node:http';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';

/**
 * close() ends everything: requests the emulator is deliberately holding (the slow fault) are
 * cut, and idle keep-alive connections are closed, so a test's teardown never hangs on it.
 */
function send(url: string, agent: Agent): { done: Promise<string>; socketClosed: Promise<void> } {
  let onSocketClosed!: () => void;
  const socketClosed = new Promise<void>((r) => (onSocketClosed = r));
  const done = new Promise<string>((resolve) => {
    const req = request(`${url}/v2/droplets`, { agent, headers: { authorization: 'Bearer t' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(`answered ${res.statusCode}`));
      res.on('error', () => resolve('cut'));
    });
    req.on('socket', (s) => s.once('close', onSocketClosed));
    req.on('error', () => resolve('cut'));
    req.end();
  });
  return { done, socketClosed };
}

describe('emulator close()', () => {
  it('ends a request held by the slow fault instead of waiting for it', async () => {
    const emu = await startEmulator({ port: 0, logger: false, faults: { slowRate: 1, slowMs: 120_000 } });
    const agent = new Agent({ keepAlive: true });
    const r = send(emu.url, agent);
    await new Promise((ok) => setTimeout(ok, 100));
    await emu.close();
    expect(await r.done).toBe('cut');
    agent.destroy();
  }, 15_000);

  it('closes idle keep-alive connections', async () => {
    const emu = await startEmulator({ port: 0, logger: false });
    const agent = new Agent({ keepAlive: true });
    const r = send(emu.url, agent);
    expect(await r.done).toBe('answered 200');
    await emu.close();
    await r.socketClosed;
    agent.destroy();
  }, 15_000);
});
