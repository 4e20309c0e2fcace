import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { publicPrefixes } from '../../src/emulator/state/address-pool.js';
import { AUTH, createBody, json, testEmulator, type TestEmulator } from './helpers.js';

const ubuntu = (region: string, name = 'gs-1') =>
  createBody({ name, region, image: 'ubuntu-24-04-x64', size: 's-1vcpu-1gb' });

/** Creates in each region and boots the droplets; returns their public addresses by region. */
async function addressesIn(emu: TestEmulator, regions: string[], each: number): Promise<Record<string, string[]>> {
  for (const region of regions) {
    for (let i = 0; i < each; i++) {
      const res = await emu.call('POST', '/v2/droplets', ubuntu(region, `gs-${region}-${i}`));
      expect(res.statusCode).toBe(202);
    }
  }
  await emu.advance(5000);
  const out: Record<string, string[]> = {};
  const droplets = json(await emu.call('GET', '/v2/droplets?per_page=200')).droplets as {
    region: { slug: string };
    networks: { v4: { ip_address: string; type: string }[] };
  }[];
  for (const d of droplets) {
    const ip = d.networks.v4.find((n) => n.type === 'public')?.ip_address as string;
    (out[d.region.slug] ??= []).push(ip);
  }
  return out;
}

describe('emulator regions: an address pool each, closed regions, sold-out sizes, faults of their own', () => {
  let emu: TestEmulator;
  afterEach(async () => emu.app.close());

  it('each region hands out addresses from its own pool; nyc3 keeps the documentation ranges', async () => {
    emu = testEmulator();
    const got = await addressesIn(emu, ['nyc3', 'sgp1', 'fra1'], 3);
    expect(got.nyc3).toEqual(['203.0.113.2', '203.0.113.3', '203.0.113.4']);
    expect(got.sgp1).toEqual(['198.18.8.2', '198.18.8.3', '198.18.8.4']);
    expect(got.fra1).toEqual(['198.18.10.2', '198.18.10.3', '198.18.10.4']);
    const all = Object.values(got).flat();
    expect(new Set(all).size).toBe(all.length);
    expect(publicPrefixes('sgp1')).toEqual(['198.18.8', '198.19.8']);
  });

  it('a region closed at run time: shown unavailable with no sizes, creates in it 422 like a closed region, others unaffected', async () => {
    emu = testEmulator();
    const put = await emu.app.inject({ method: 'PUT', url: '/_emulator/regions/sgp1', payload: { available: false } });
    expect(put.statusCode).toBe(200);
    expect(json(put)).toEqual({ available: false, soldOut: [], faults: {} });

    const regions = json(await emu.call('GET', '/v2/regions?per_page=200')).regions as {
      slug: string;
      available: boolean;
      sizes: string[];
    }[];
    expect(regions.find((r) => r.slug === 'sgp1')).toMatchObject({ available: false, sizes: [] });
    expect(regions.find((r) => r.slug === 'fra1')?.available).toBe(true);
    const sizes = json(await emu.call('GET', '/v2/sizes?per_page=200')).sizes as { slug: string; regions: string[] }[];
    expect(sizes.find((s) => s.slug === 's-1vcpu-1gb')?.regions).not.toContain('sgp1');

    const refused = await emu.call('POST', '/v2/droplets', ubuntu('sgp1'));
    expect(refused.statusCode).toBe(422);
    expect(json(refused)).toMatchObject({
      id: 'unprocessable_entity',
      message: 'You specified an invalid region for Droplet creation.',
    });
    // A prefix or no region never lands in the closed one.
    const byPrefix = await emu.call('POST', '/v2/droplets', ubuntu('sgp'));
    expect(byPrefix.statusCode).toBe(422);
    expect((await emu.call('POST', '/v2/droplets', ubuntu('fra1'))).statusCode).toBe(202);

    await emu.app.inject({ method: 'PUT', url: '/_emulator/regions/sgp1', payload: { available: true } });
    expect((await emu.call('POST', '/v2/droplets', ubuntu('sgp1'))).statusCode).toBe(202);
  });

  it('a size sold out in one region: gone from its lists there, creates 422 "Size is not available in this region.", other sizes and regions go on', async () => {
    emu = testEmulator({ regions: { fra1: { soldOut: ['s-1vcpu-1gb'] } } });
    const fra1 = (
      json(await emu.call('GET', '/v2/regions?per_page=200')).regions as { slug: string; sizes: string[] }[]
    ).find((r) => r.slug === 'fra1');
    expect(fra1?.sizes).not.toContain('s-1vcpu-1gb');
    expect(fra1?.sizes).toContain('s-1vcpu-2gb');
    const refused = await emu.call('POST', '/v2/droplets', ubuntu('fra1'));
    expect(refused.statusCode).toBe(422);
    expect(json(refused).message).toBe('Size is not available in this region.');
    expect((await emu.call('POST', '/v2/droplets', { ...ubuntu('fra1'), size: 's-1vcpu-2gb' })).statusCode).toBe(202);
    expect((await emu.call('POST', '/v2/droplets', ubuntu('lon1'))).statusCode).toBe(202);
    // reset() restores the controls the emulator started with.
    await emu.app.inject({ method: 'PUT', url: '/_emulator/regions/fra1', payload: { soldOut: [] } });
    expect((await emu.call('POST', '/v2/droplets', ubuntu('fra1', 'gs-2'))).statusCode).toBe(202);
    await emu.app.inject({ method: 'POST', url: '/_emulator/reset' });
    expect(json(await emu.app.inject({ method: 'GET', url: '/_emulator/regions' }))).toEqual({
      fra1: { available: true, soldOut: ['s-1vcpu-1gb'], faults: {} },
    });
  });

  it("a region's own faults hit only requests that concern it: creates there fail, elsewhere never", async () => {
    emu = testEmulator();
    await emu.app.inject({ method: 'PUT', url: '/_emulator/regions/sgp1', payload: { faults: { errorRate: 1 } } });
    for (let i = 0; i < 5; i++) {
      const res = await emu.call('POST', '/v2/droplets', ubuntu('sgp1', `a-${i}`));
      expect(res.statusCode).toBeGreaterThanOrEqual(500);
      expect((await emu.call('POST', '/v2/droplets', ubuntu('nyc3', `b-${i}`))).statusCode).toBe(202);
    }
    // The failed creates made nothing; the nyc3 ones are there.
    const droplets = json(await emu.call('GET', '/v2/droplets?per_page=200')).droplets as {
      region: { slug: string };
    }[];
    expect(droplets.map((d) => d.region.slug)).toEqual(Array(5).fill('nyc3'));
    // A droplet of a region with a delete lag stays listed; one elsewhere goes at once.
    await emu.app.inject({
      method: 'PUT',
      url: '/_emulator/regions/sgp1',
      payload: { faults: { errorRate: 0, deleteLagMs: 60_000 } },
    });
    const made = json(await emu.call('POST', '/v2/droplets', ubuntu('sgp1', 'lagging'))).droplet as { id: number };
    const other = json(await emu.call('POST', '/v2/droplets', ubuntu('lon1', 'prompt'))).droplet as { id: number };
    expect((await emu.call('DELETE', `/v2/droplets/${made.id}`)).statusCode).toBe(204);
    expect((await emu.call('DELETE', `/v2/droplets/${other.id}`)).statusCode).toBe(204);
    expect((await emu.call('GET', `/v2/droplets/${made.id}`)).statusCode).toBe(200);
    expect((await emu.call('GET', `/v2/droplets/${other.id}`)).statusCode).toBe(404);
  });

  it('refuses a bad control with a 400 naming it, and changes nothing', async () => {
    emu = testEmulator();
    const cases: [string, unknown, RegExp][] = [
      ['/_emulator/regions/xyz9', { available: false }, /unknown region xyz9/],
      ['/_emulator/regions/sgp1', { available: 'no' }, /available must be a boolean/],
      ['/_emulator/regions/sgp1', { soldOut: ['not-a-size'] }, /soldOut/],
      ['/_emulator/regions/sgp1', { faults: { errorRate: 2 } }, /errorRate/],
      ['/_emulator/regions/sgp1', { closed: true }, /unknown region control closed/],
    ];
    for (const [url, payload, message] of cases) {
      const res = await emu.app.inject({ method: 'PUT', url, payload: payload as object });
      expect(res.statusCode).toBe(400);
      expect(json(res).message).toMatch(message);
    }
    expect(json(await emu.app.inject({ method: 'GET', url: '/_emulator/regions' }))).toEqual({});
  });

  it('over real HTTP: a region closed through the control API refuses creates; the others keep their pools', async () => {
    const real = await startEmulator({ port: 0, bootDelayMs: 0, seed: 3 });
    try {
      const call = (method: string, path: string, body?: unknown) =>
        fetch(`${real.url}${path}`, {
          method,
          headers: { ...AUTH, 'content-type': 'application/json' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      expect((await call('PUT', '/_emulator/regions/ams3', { available: false })).status).toBe(200);
      const refused = await call('POST', '/v2/droplets', ubuntu('ams3'));
      expect(refused.status).toBe(422);
      expect(((await refused.json()) as { message: string }).message).toBe(
        'You specified an invalid region for Droplet creation.',
      );
      expect((await call('POST', '/v2/droplets', ubuntu('tor1'))).status).toBe(202);
      await new Promise((r) => setTimeout(r, 20));
      const [d] = real.droplets();
      expect(d?.publicIpv4).toMatch(/^198\.18\.11\./);
    } finally {
      await real.close();
    }
  });
});
