import { afterEach, describe, expect, it } from 'vitest';
import { createBody, json, testEmulator, type TestEmulator } from './helpers.js';

async function makeDroplets(emu: TestEmulator, names: string[], tags: string[]): Promise<number[]> {
  const res = await emu.call('POST', '/v2/droplets', createBody({ name: undefined, names, tags }));
  expect(res.statusCode).toBe(202);
  return json(res).droplets.map((d: { id: number }) => d.id);
}

describe('GET /v2/droplets', () => {
  let emu: TestEmulator;
  afterEach(async () => emu.app.close());

  it('pages with absolute links on its own base URL, keeping the other query parameters', async () => {
    emu = testEmulator();
    await makeDroplets(emu, ['a1', 'a2', 'a3', 'a4', 'a5'], ['game']);
    await makeDroplets(emu, ['b1'], ['other']);
    const base = 'http://localhost:80/v2/droplets';
    const first = json(await emu.call('GET', '/v2/droplets?tag_name=game&per_page=2'));
    expect(first.droplets.map((d: { name: string }) => d.name)).toEqual(['a1', 'a2']);
    expect(first.meta).toEqual({ total: 5 });
    expect(first.links).toEqual({
      pages: { last: `${base}?page=3&tag_name=game&per_page=2`, next: `${base}?page=2&tag_name=game&per_page=2` },
    });
    const middle = json(await emu.call('GET', '/v2/droplets?tag_name=game&per_page=2&page=2'));
    expect(Object.keys(middle.links.pages).sort()).toEqual(['first', 'last', 'next', 'prev']);
    expect(middle.links.pages.prev).toBe(`${base}?page=1&tag_name=game&per_page=2`);
    const last = json(await emu.call('GET', '/v2/droplets?tag_name=game&per_page=2&page=3'));
    expect(last.droplets.map((d: { name: string }) => d.name)).toEqual(['a5']);
    expect(Object.keys(last.links.pages).sort()).toEqual(['first', 'prev']);
  });

  it('answers a single page with links {} and the default per_page of 20', async () => {
    emu = testEmulator({ dropletLimit: 30 });
    await makeDroplets(emu, ['x1', 'x2'], []);
    const one = json(await emu.call('GET', '/v2/droplets'));
    expect(one.links).toEqual({});
    expect(one.meta.total).toBe(2);
    for (let i = 0; i < 2; i++)
      await makeDroplets(
        emu,
        Array.from({ length: 10 }, (_, j) => `y${i}-${j}`),
        [],
      );
    const page = json(await emu.call('GET', '/v2/droplets'));
    expect(page.droplets).toHaveLength(20);
    expect(page.meta.total).toBe(22);
    expect(page.links.pages.next).toBe('http://localhost:80/v2/droplets?page=2');
  });

  it('clamps per_page to 200', async () => {
    emu = testEmulator();
    await makeDroplets(emu, ['x1'], []);
    const res = json(await emu.call('GET', '/v2/droplets?per_page=5000'));
    expect(res.droplets).toHaveLength(1);
    expect(res.links).toEqual({});
  });

  it('filters by name exactly and case-insensitively', async () => {
    emu = testEmulator();
    await makeDroplets(emu, ['Game-1', 'game-10'], []);
    const res = json(await emu.call('GET', '/v2/droplets?name=GAME-1'));
    expect(res.droplets.map((d: { name: string }) => d.name)).toEqual(['Game-1']);
  });

  it('leaves GPU droplets out unless type=gpus', async () => {
    emu = testEmulator();
    await emu.call(
      'POST',
      '/v2/droplets',
      createBody({ name: 'gpu', size: 'gpu-h100x1-80gb', region: 'tor1', image: 'ubuntu-24-04-x64' }),
    );
    await makeDroplets(emu, ['cpu'], []);
    const names = async (q: string) =>
      json(await emu.call('GET', `/v2/droplets${q}`)).droplets.map((d: { name: string }) => d.name);
    expect(await names('')).toEqual(['cpu']);
    expect(await names('?type=droplets')).toEqual(['cpu']);
    expect(await names('?type=gpus')).toEqual(['gpu']);
  });

  it('returns an empty list for a tag nobody has, and 422 for tag_name with name', async () => {
    emu = testEmulator();
    await makeDroplets(emu, ['x1'], ['game']);
    expect(json(await emu.call('GET', '/v2/droplets?tag_name=nope'))).toEqual({
      droplets: [],
      links: {},
      meta: { total: 0 },
    });
    expect((await emu.call('GET', '/v2/droplets?tag_name=game&name=x1')).statusCode).toBe(422);
  });

  it('keeps a new droplet out of lists for listLagMs while GET by id already finds it', async () => {
    emu = testEmulator({ faults: { listLagMs: 3000 } });
    const [id] = await makeDroplets(emu, ['lagging'], ['game']);
    expect(json(await emu.call('GET', '/v2/droplets?tag_name=game')).meta.total).toBe(0);
    expect((await emu.call('GET', `/v2/droplets/${id}`)).statusCode).toBe(200);
    await emu.advance(3000);
    expect(json(await emu.call('GET', '/v2/droplets?tag_name=game')).meta.total).toBe(1);
  });
});

describe('DELETE /v2/droplets', () => {
  let emu: TestEmulator;
  afterEach(async () => emu.app.close());

  it('deletes by id with 204, then 404s for GET and a second DELETE', async () => {
    emu = testEmulator();
    const [id] = await makeDroplets(emu, ['x1'], []);
    const res = await emu.call('DELETE', `/v2/droplets/${id}`);
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect((await emu.call('GET', `/v2/droplets/${id}`)).statusCode).toBe(404);
    expect((await emu.call('DELETE', `/v2/droplets/${id}`)).statusCode).toBe(404);
    expect((await emu.call('DELETE', '/v2/droplets/notanumber')).statusCode).toBe(404);
  });

  it('deletes every droplet with the tag, and needs tag_name', async () => {
    emu = testEmulator();
    await makeDroplets(emu, ['a1', 'a2'], ['game']);
    const [keep] = await makeDroplets(emu, ['b1'], ['other']);
    expect((await emu.call('DELETE', '/v2/droplets')).statusCode).toBe(422);
    expect((await emu.call('DELETE', '/v2/droplets?tag_name=GAME')).statusCode).toBe(204);
    const left = json(await emu.call('GET', '/v2/droplets'));
    expect(left.droplets.map((d: { id: number }) => d.id)).toEqual([keep]);
    const state = json(await emu.app.inject({ method: 'GET', url: '/_emulator/state' }));
    expect(
      state.droplets.filter((d: { deletedAtMs: number | null }) => d.deletedAtMs === emu.clock.now()),
    ).toHaveLength(2);
  });

  it('keeps a deleted droplet listed and GET-able, unchanged, for deleteLagMs', async () => {
    emu = testEmulator({ bootDelayMs: 10, faults: { deleteLagMs: 5000 } });
    const [id] = await makeDroplets(emu, ['x1'], ['game']);
    await emu.advance(10);
    expect((await emu.call('DELETE', `/v2/droplets/${id}`)).statusCode).toBe(204);
    await emu.advance(4999);
    const during = json(await emu.call('GET', `/v2/droplets/${id}`)).droplet;
    expect(during).toMatchObject({ status: 'active', locked: false });
    expect(json(await emu.call('GET', '/v2/droplets?tag_name=game')).meta.total).toBe(1);
    expect((await emu.call('DELETE', `/v2/droplets/${id}`)).statusCode).toBe(204);
    expect((await emu.call('POST', `/v2/droplets/${id}/actions`, { type: 'power_off' })).statusCode).toBe(404);
    await emu.advance(1);
    expect((await emu.call('GET', `/v2/droplets/${id}`)).statusCode).toBe(404);
    expect(json(await emu.call('GET', '/v2/droplets?tag_name=game')).meta.total).toBe(0);
  });
});
