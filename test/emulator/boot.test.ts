import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { AUTH, createBody, json, testEmulator, type TestEmulator } from './helpers.js';

type V4 = { ip_address: string; netmask: string; gateway: string; type: string };

describe('droplet boot', () => {
  let emu: TestEmulator;
  afterEach(async () => emu.app.close());

  it('turns active after the boot delay with a public and a private v4, unlocked, action completed', async () => {
    emu = testEmulator({ bootDelayMs: 5000 });
    const created = json(await emu.call('POST', '/v2/droplets', createBody()));
    const id = created.droplet.id;
    await emu.advance(4999);
    expect(json(await emu.call('GET', `/v2/droplets/${id}`)).droplet).toMatchObject({ status: 'new', locked: true });
    await emu.advance(1);
    const droplet = json(await emu.call('GET', `/v2/droplets/${id}`)).droplet;
    expect(droplet).toMatchObject({ status: 'active', locked: false });
    const v4 = droplet.networks.v4 as V4[];
    const pub = v4.find((n) => n.type === 'public');
    const priv = v4.find((n) => n.type === 'private');
    expect(v4).toHaveLength(2);
    expect(pub).toEqual({
      ip_address: '203.0.113.2',
      netmask: '255.255.255.0',
      gateway: '203.0.113.1',
      type: 'public',
    });
    expect(priv?.ip_address).toMatch(/^10\.\d+\.\d+\.\d+$/);
    expect(priv?.gateway).toBe('');
    expect(droplet.networks.v6).toEqual([]);
    const action = json(await emu.call('GET', `/v2/actions/${created.links.actions[0].id}`)).action;
    expect(action).toMatchObject({ status: 'completed', completed_at: '2026-01-15T12:00:05Z', region_slug: 'nyc3' });
  });

  it('lists the private and public interfaces in either order', async () => {
    emu = testEmulator({ bootDelayMs: 10 });
    const names = Array.from({ length: 10 }, (_, i) => `gs-${i}`);
    await emu.call('POST', '/v2/droplets', createBody({ name: undefined, names }));
    await emu.advance(10);
    const firstTypes = json(await emu.call('GET', '/v2/droplets')).droplets.map(
      (d: { networks: { v4: V4[] } }) => d.networks.v4[0]?.type,
    );
    expect(new Set(firstTypes)).toEqual(new Set(['public', 'private']));
  });

  it('gives each droplet its own public address from the documentation ranges', async () => {
    emu = testEmulator({ bootDelayMs: 10, dropletLimit: 300 });
    for (let batch = 0; batch < 26; batch++) {
      const names = Array.from({ length: 10 }, (_, i) => `gs-${batch}-${i}`);
      expect((await emu.call('POST', '/v2/droplets', createBody({ name: undefined, names }))).statusCode).toBe(202);
    }
    await emu.advance(10);
    const state = json(await emu.app.inject({ method: 'GET', url: '/_emulator/state' }));
    const ips: string[] = state.droplets.map((d: { publicIpv4: string }) => d.publicIpv4);
    expect(new Set(ips).size).toBe(260);
    expect(ips.filter((ip) => ip.startsWith('203.0.113.'))).toHaveLength(253);
    expect(ips.filter((ip) => ip.startsWith('198.51.100.'))).toHaveLength(7);
  });

  it('adds a v6 address only when ipv6 was asked for', async () => {
    emu = testEmulator({ bootDelayMs: 10 });
    const id = json(await emu.call('POST', '/v2/droplets', createBody({ ipv6: true }))).droplet.id;
    await emu.advance(10);
    const v6 = json(await emu.call('GET', `/v2/droplets/${id}`)).droplet.networks.v6;
    expect(v6).toEqual([{ ip_address: '2001:db8:0:1::2', netmask: 64, gateway: '2001:db8:0:1::1', type: 'public' }]);
  });

  it('errors the create action and makes the droplet vanish under createErrorRate', async () => {
    emu = testEmulator({ bootDelayMs: 100, faults: { createErrorRate: 1 } });
    const created = json(await emu.call('POST', '/v2/droplets', createBody()));
    const id = created.droplet.id;
    expect((await emu.call('GET', `/v2/droplets/${id}`)).statusCode).toBe(200);
    await emu.advance(100);
    expect((await emu.call('GET', `/v2/droplets/${id}`)).statusCode).toBe(404);
    expect(json(await emu.call('GET', '/v2/droplets')).droplets).toEqual([]);
    const action = json(await emu.call('GET', `/v2/actions/${created.links.actions[0].id}`)).action;
    expect(action.status).toBe('errored');
    const [record] = json(await emu.app.inject({ method: 'GET', url: '/_emulator/state' })).droplets;
    expect(record).toMatchObject({ id, createErrored: true, deletedAtMs: emu.clock.now() });
  });

  it('errors the create action of a droplet deleted while it was still booting', async () => {
    emu = testEmulator({ bootDelayMs: 100 });
    const created = json(await emu.call('POST', '/v2/droplets', createBody()));
    await emu.call('DELETE', `/v2/droplets/${created.droplet.id}`);
    await emu.advance(100);
    expect(json(await emu.call('GET', `/v2/actions/${created.links.actions[0].id}`)).action.status).toBe('errored');
    expect((await emu.call('GET', `/v2/droplets/${created.droplet.id}`)).statusCode).toBe(404);
  });
});

describe('droplet boot on the system clock', () => {
  it('turns active after a real bootDelayMs when no clock is injected', async () => {
    const emulator = await startEmulator({ bootDelayMs: 30 });
    try {
      const res = await fetch(`${emulator.url}/v2/droplets`, {
        method: 'POST',
        headers: { ...AUTH, 'content-type': 'application/json' },
        body: JSON.stringify(createBody()),
      });
      expect(res.status).toBe(202);
      const started = Date.now();
      while (emulator.droplets()[0]?.status !== 'active' && Date.now() - started < 2000) {
        await new Promise((r) => setTimeout(r, 5));
      }
      expect(emulator.droplets()[0]).toMatchObject({ status: 'active', publicIpv4: '203.0.113.2' });
    } finally {
      await emulator.close();
    }
  });
});
