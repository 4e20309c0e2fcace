import { afterEach, describe, expect, it } from 'vitest';
import { createBody, json, testEmulator, type TestEmulator } from './helpers.js';

describe('catalogue', () => {
  let emu: TestEmulator;
  afterEach(async () => emu.app.close());

  it('lists the 13 regions with their sizes; closed regions offer none', async () => {
    emu = testEmulator();
    const body = json(await emu.call('GET', '/v2/regions?per_page=200'));
    expect(body.meta.total).toBe(13);
    const nyc3 = body.regions.find((r: { slug: string }) => r.slug === 'nyc3');
    expect(nyc3).toMatchObject({ name: 'New York 3', available: true });
    expect(nyc3.sizes).toContain('s-1vcpu-1gb');
    expect(body.regions.find((r: { slug: string }) => r.slug === 'ams2')).toMatchObject({
      available: false,
      sizes: [],
    });
  });

  it('pages sizes at the default per_page of 20 and shows prices', async () => {
    emu = testEmulator();
    const first = json(await emu.call('GET', '/v2/sizes'));
    expect(first.sizes).toHaveLength(20);
    expect(first.meta.total).toBeGreaterThan(20);
    expect(first.links.pages.next).toBe('http://localhost:80/v2/sizes?page=2');
    expect(first.sizes.find((s: { slug: string }) => s.slug === 's-1vcpu-1gb')).toMatchObject({
      price_monthly: 5,
      price_hourly: 0.00743999984115362,
      memory: 1024,
      disk: 25,
      available: true,
    });
    const second = json(await emu.call('GET', '/v2/sizes?page=2'));
    expect(second.sizes).toHaveLength(first.meta.total - 20);
  });

  it('filters images by private=true and type', async () => {
    emu = testEmulator();
    const priv = json(await emu.call('GET', '/v2/images?private=true')).images;
    expect(priv.map((i: { id: number }) => i.id)).toEqual([7555620, 7555621]);
    expect(priv[0]).toMatchObject({ slug: null, public: false, regions: ['nyc2', 'nyc3'], type: 'snapshot' });
    const dist = json(await emu.call('GET', '/v2/images?type=distribution')).images;
    expect(dist.map((i: { slug: string }) => i.slug)).toContain('ubuntu-24-04-x64');
    expect(dist.every((i: { public: boolean }) => i.public)).toBe(true);
    const apps = json(await emu.call('GET', '/v2/images?type=application')).images;
    expect(apps.map((i: { slug: string }) => i.slug)).toEqual(['docker-20-04']);
    expect(json(await emu.call('GET', '/v2/images?per_page=200')).meta.total).toBe(9);
  });

  it('gets an image by id or public slug, and a private image only by id', async () => {
    emu = testEmulator();
    expect(json(await emu.call('GET', '/v2/images/7555620')).image.name).toBe('Nifty New Snapshot');
    expect(json(await emu.call('GET', '/v2/images/ubuntu-24-04-x64')).image.distribution).toBe('Ubuntu');
    expect((await emu.call('GET', '/v2/images/Nifty%20New%20Snapshot')).statusCode).toBe(404);
    expect((await emu.call('GET', '/v2/images/1')).statusCode).toBe(404);
  });

  it('lists droplet snapshots with string ids', async () => {
    emu = testEmulator();
    const body = json(await emu.call('GET', '/v2/snapshots?resource_type=droplet'));
    expect(body.snapshots[0]).toMatchObject({ id: '7555620', resource_id: '200776916', resource_type: 'droplet' });
    expect(json(await emu.call('GET', '/v2/snapshots?resource_type=volume')).snapshots).toEqual([]);
    expect(json(await emu.call('GET', '/v2/snapshots/7555620')).snapshot.name).toBe('Nifty New Snapshot');
  });
});

describe('tags', () => {
  let emu: TestEmulator;
  afterEach(async () => emu.app.close());

  it('creates, reads and deletes a tag, counting its droplets', async () => {
    emu = testEmulator();
    const created = await emu.call('POST', '/v2/tags', { name: 'extra-awesome' });
    expect(created.statusCode).toBe(201);
    expect(json(created).tag).toMatchObject({ name: 'extra-awesome', resources: { count: 0, droplets: { count: 0 } } });
    const id = json(await emu.call('POST', '/v2/droplets', createBody({ tags: ['extra-awesome'] }))).droplet.id;
    const tag = json(await emu.call('GET', '/v2/tags/extra-awesome')).tag;
    expect(tag.resources.droplets).toEqual({ count: 1, last_tagged_uri: `http://localhost:80/v2/droplets/${id}` });
    expect((await emu.call('DELETE', '/v2/tags/extra-awesome')).statusCode).toBe(204);
    expect((await emu.call('GET', '/v2/tags/extra-awesome')).statusCode).toBe(404);
    expect(json(await emu.call('GET', `/v2/droplets/${id}`)).droplet.tags).toEqual([]);
  });

  it('answers an invalid tag name with the /v2/tags 400 shape', async () => {
    emu = testEmulator();
    const res = await emu.call('POST', '/v2/tags', { name: 'bad tag' });
    expect(res.statusCode).toBe(400);
    expect(json(res)).toMatchObject({ messages: null });
    expect(json(res).error).toContain('contains invalid characters');
    expect(json(res).root_causes).toHaveLength(1);
  });

  it('tags and untags droplets through /resources; an unknown tag is 404', async () => {
    emu = testEmulator();
    const id = json(await emu.call('POST', '/v2/droplets', createBody({ tags: [] }))).droplet.id;
    const resources = { resources: [{ resource_id: String(id), resource_type: 'droplet' }] };
    expect((await emu.call('POST', '/v2/tags/missing/resources', resources)).statusCode).toBe(404);
    await emu.call('POST', '/v2/tags', { name: 'late' });
    expect((await emu.call('POST', '/v2/tags/late/resources', resources)).statusCode).toBe(204);
    expect(json(await emu.call('GET', '/v2/droplets?tag_name=late')).meta.total).toBe(1);
    expect((await emu.call('DELETE', '/v2/tags/late/resources', resources)).statusCode).toBe(204);
    expect(json(await emu.call('GET', '/v2/droplets?tag_name=late')).meta.total).toBe(0);
  });
});
