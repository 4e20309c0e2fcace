import { afterEach, describe, expect, it } from 'vitest';
import { createBody, json, testEmulator, type TestEmulator } from './helpers.js';

describe('POST /v2/droplets', () => {
  let emu: TestEmulator;
  afterEach(async () => emu.app.close());

  it('creates one droplet: 202, status new, locked, empty networks and a create action link', async () => {
    emu = testEmulator();
    const res = await emu.call('POST', '/v2/droplets', createBody({ user_data: '#cloud-config\n', monitoring: true }));
    expect(res.statusCode).toBe(202);
    const body = json(res);
    expect(body.droplet).toMatchObject({
      name: 'gs-1',
      status: 'new',
      locked: true,
      memory: 1024,
      vcpus: 1,
      disk: 25,
      size_slug: 's-1vcpu-1gb',
      networks: { v4: [], v6: [] },
      kernel: null,
      next_backup_window: null,
      backup_ids: [],
      snapshot_ids: [],
      volume_ids: [],
      tags: ['femquest-server'],
      created_at: '2026-01-15T12:00:00Z',
      vpc_uuid: '760e09ef-dc84-11e8-981e-3cfdfeaae000',
      image: { id: 7555620, slug: null, public: false, type: 'snapshot' },
      size: { slug: 's-1vcpu-1gb', price_monthly: 5 },
      region: { slug: 'nyc3', name: 'New York 3', available: true },
    });
    expect(body.droplet.features).toContain('monitoring');
    const [link] = body.links.actions;
    expect(link).toMatchObject({ rel: 'create', href: `http://localhost:80/v2/actions/${link.id}` });
    const action = json(await emu.call('GET', `/v2/actions/${link.id}`)).action;
    expect(action).toMatchObject({
      status: 'in-progress',
      type: 'create',
      resource_id: body.droplet.id,
      completed_at: null,
    });
  });

  it('creates several droplets from names[] with one create action each', async () => {
    emu = testEmulator();
    const res = await emu.call(
      'POST',
      '/v2/droplets',
      createBody({ name: undefined, names: ['gs-a', 'gs-b', 'gs-c'] }),
    );
    expect(res.statusCode).toBe(202);
    const body = json(res);
    expect(body.droplets.map((d: { name: string }) => d.name)).toEqual(['gs-a', 'gs-b', 'gs-c']);
    expect(body.links.actions).toHaveLength(3);
    expect(new Set(body.droplets.map((d: { id: number }) => d.id)).size).toBe(3);
  });

  it('accepts a public image by slug and a region prefix', async () => {
    emu = testEmulator();
    const res = await emu.call('POST', '/v2/droplets', createBody({ image: 'ubuntu-24-04-x64', region: 'sfo' }));
    expect(res.statusCode).toBe(202);
    expect(json(res).droplet.region.slug).toBe('sfo2');
    expect(json(res).droplet.image.slug).toBe('ubuntu-24-04-x64');
  });

  it('creates the tags it is given, keeping the first letter case', async () => {
    emu = testEmulator();
    await emu.call('POST', '/v2/droplets', createBody({ tags: ['FemQuest', 'server:abc'] }));
    const res = await emu.call('POST', '/v2/droplets', createBody({ tags: ['femquest'] }));
    expect(json(res).droplet.tags).toEqual(['FemQuest']);
    const tags = json(await emu.call('GET', '/v2/tags')).tags.map((t: { name: string }) => t.name);
    expect(tags).toEqual(['FemQuest', 'server:abc']);
    expect(json(await emu.call('GET', '/v2/tags/femquest')).tag.resources.droplets.count).toBe(2);
  });

  const invalid: [string, Record<string, unknown>, string][] = [
    ['a name with a space', { name: 'gs 1' }, 'Only valid hostname characters are allowed. (a-z, A-Z, 0-9, . and -)'],
    [
      'a name ending in a dash',
      { name: 'gs-' },
      'Only valid hostname characters are allowed. (a-z, A-Z, 0-9, . and -)',
    ],
    ['an unknown size', { size: 's-99vcpu' }, 'You specified an invalid size for Droplet creation.'],
    ['an unknown region', { region: 'xyz9' }, 'You specified an invalid region for Droplet creation.'],
    [
      'a closed region',
      { region: 'ams2', image: 'ubuntu-24-04-x64' },
      'You specified an invalid region for Droplet creation.',
    ],
    ['an unknown image id', { image: 1234 }, 'You specified an invalid image for Droplet creation.'],
    [
      'a private image by name',
      { image: 'Nifty New Snapshot' },
      'You specified an invalid image for Droplet creation.',
    ],
    ['a size not offered in the region', { size: 'gpu-h100x1-80gb' }, 'Size is not available in this region.'],
    ['a size closed to new droplets', { size: 's-1vcpu-3gb' }, 'Size is not available in this region.'],
    ['a snapshot not in the region', { image: 7555621 }, 'The image is not available in the requested region.'],
    ['a snapshot in a region it lacks', { region: 'sfo3' }, 'The image is not available in the requested region.'],
    ['no size', { size: undefined }, 'request payload validation failed'],
    ['tags that are not names', { tags: ['bad tag'] }, 'request payload validation failed'],
  ];
  for (const [what, overrides, message] of invalid) {
    it(`rejects ${what} with 422 "${message}"`, async () => {
      emu = testEmulator();
      const res = await emu.call('POST', '/v2/droplets', createBody(overrides));
      expect(res.statusCode).toBe(422);
      expect(json(res)).toMatchObject({ id: 'unprocessable_entity', message });
      expect(json(await emu.app.inject({ method: 'GET', url: '/_emulator/state' })).droplets).toEqual([]);
    });
  }

  it('rejects more than 10 names with 422 and creates none', async () => {
    emu = testEmulator();
    const names = Array.from({ length: 11 }, (_, i) => `gs-${i}`);
    const res = await emu.call('POST', '/v2/droplets', createBody({ name: undefined, names }));
    expect(res.statusCode).toBe(422);
    expect(json(res).id).toBe('unprocessable_entity');
    expect(json(await emu.call('GET', '/v2/droplets')).meta.total).toBe(0);
  });

  it('rejects user_data over 64 KiB with 422 and accepts exactly 64 KiB', async () => {
    emu = testEmulator();
    const over = await emu.call('POST', '/v2/droplets', createBody({ user_data: 'x'.repeat(64 * 1024 + 1) }));
    expect(over.statusCode).toBe(422);
    const exact = await emu.call('POST', '/v2/droplets', createBody({ user_data: 'x'.repeat(64 * 1024) }));
    expect(exact.statusCode).toBe(202);
  });

  it('enforces the droplet limit for the whole names[] batch before creating any', async () => {
    emu = testEmulator({ dropletLimit: 3 });
    expect((await emu.call('POST', '/v2/droplets', createBody({ name: 'gs-1' }))).statusCode).toBe(202);
    const batch = await emu.call(
      'POST',
      '/v2/droplets',
      createBody({ name: undefined, names: ['gs-2', 'gs-3', 'gs-4'] }),
    );
    expect(batch.statusCode).toBe(422);
    expect(json(batch)).toMatchObject({
      id: 'unprocessable_entity',
      message: 'creating this/these droplet(s) will exceed your droplet limit',
    });
    expect(json(await emu.call('GET', '/v2/droplets')).meta.total).toBe(1);
    const fits = await emu.call('POST', '/v2/droplets', createBody({ name: undefined, names: ['gs-2', 'gs-3'] }));
    expect(fits.statusCode).toBe(202);
    expect((await emu.call('POST', '/v2/droplets', createBody({ name: 'gs-5' }))).statusCode).toBe(422);
  });

  it('frees a place under the droplet limit as soon as a droplet is deleted, even inside the delete lag', async () => {
    emu = testEmulator({ dropletLimit: 1, faults: { deleteLagMs: 60_000 } });
    const id = json(await emu.call('POST', '/v2/droplets', createBody())).droplet.id;
    expect((await emu.call('POST', '/v2/droplets', createBody({ name: 'gs-2' }))).statusCode).toBe(422);
    expect((await emu.call('DELETE', `/v2/droplets/${id}`)).statusCode).toBe(204);
    expect((await emu.call('POST', '/v2/droplets', createBody({ name: 'gs-2' }))).statusCode).toBe(202);
  });

  it('shows the configured droplet limit in /v2/account', async () => {
    emu = testEmulator({ dropletLimit: 7 });
    expect(json(await emu.call('GET', '/v2/account')).account).toMatchObject({ droplet_limit: 7, status: 'active' });
  });
});
