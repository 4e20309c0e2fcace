import { afterEach, describe, expect, it } from 'vitest';
import { createBody, json, testEmulator, type TestEmulator } from './helpers.js';

describe('droplet actions', () => {
  let emu: TestEmulator;
  afterEach(async () => emu.app.close());

  async function activeDroplet(tags: string[] = ['game'], name = 'gs-1'): Promise<number> {
    const id = json(await emu.call('POST', '/v2/droplets', createBody({ name, tags }))).droplet.id as number;
    await emu.advance(100);
    return id;
  }

  it('refuses an action while the create is pending with 422 "Droplet already has a pending event."', async () => {
    emu = testEmulator({ bootDelayMs: 100 });
    const id = json(await emu.call('POST', '/v2/droplets', createBody())).droplet.id;
    const res = await emu.call('POST', `/v2/droplets/${id}/actions`, { type: 'power_off' });
    expect(res.statusCode).toBe(422);
    expect(json(res)).toMatchObject({ id: 'unprocessable_entity', message: 'Droplet already has a pending event.' });
  });

  it('powers off with 201, locks until the action completes, then shows status off', async () => {
    emu = testEmulator({ bootDelayMs: 100, actionDelayMs: 2000 });
    const id = await activeDroplet();
    const res = await emu.call('POST', `/v2/droplets/${id}/actions`, { type: 'power_off' });
    expect(res.statusCode).toBe(201);
    const action = json(res).action;
    expect(action).toMatchObject({
      type: 'power_off',
      status: 'in-progress',
      resource_id: id,
      resource_type: 'droplet',
    });
    expect(json(await emu.call('GET', `/v2/droplets/${id}`)).droplet.locked).toBe(true);
    expect((await emu.call('POST', `/v2/droplets/${id}/actions`, { type: 'power_on' })).statusCode).toBe(422);
    await emu.advance(2000);
    expect(json(await emu.call('GET', `/v2/droplets/${id}`)).droplet).toMatchObject({ status: 'off', locked: false });
    const polled = json(await emu.call('GET', `/v2/droplets/${id}/actions/${action.id}`)).action;
    expect(polled).toMatchObject({ id: action.id, status: 'completed' });
    expect(polled.completed_at).not.toBeNull();
    expect((await emu.call('POST', `/v2/droplets/${id}/actions`, { type: 'power_on' })).statusCode).toBe(201);
    await emu.advance(2000);
    expect(json(await emu.call('GET', `/v2/droplets/${id}`)).droplet.status).toBe('active');
  });

  for (const [type, status] of [
    ['shutdown', 'off'],
    ['reboot', 'active'],
    ['power_cycle', 'active'],
  ] as const) {
    it(`${type} completes and leaves the droplet ${status}`, async () => {
      emu = testEmulator({ bootDelayMs: 100, actionDelayMs: 100 });
      const id = await activeDroplet();
      expect((await emu.call('POST', `/v2/droplets/${id}/actions`, { type })).statusCode).toBe(201);
      await emu.advance(100);
      expect(json(await emu.call('GET', `/v2/droplets/${id}`)).droplet.status).toBe(status);
    });
  }

  it('rejects unknown or missing action types with 422 and unknown droplets with 404', async () => {
    emu = testEmulator({ bootDelayMs: 100 });
    const id = await activeDroplet();
    expect((await emu.call('POST', `/v2/droplets/${id}/actions`, { type: 'explode' })).statusCode).toBe(422);
    expect((await emu.call('POST', `/v2/droplets/${id}/actions`, {})).statusCode).toBe(422);
    expect((await emu.call('POST', '/v2/droplets/42/actions', { type: 'reboot' })).statusCode).toBe(404);
  });

  it('acts on every droplet with a tag and returns 201 {actions}', async () => {
    emu = testEmulator({ bootDelayMs: 100, actionDelayMs: 100 });
    const a = await activeDroplet(['game'], 'a');
    const b = await activeDroplet(['game'], 'b');
    await activeDroplet(['other'], 'c');
    const res = await emu.call('POST', '/v2/droplets/actions?tag_name=game', { type: 'power_off' });
    expect(res.statusCode).toBe(201);
    expect(json(res).actions.map((x: { resource_id: number }) => x.resource_id)).toEqual([a, b]);
    expect((await emu.call('POST', '/v2/droplets/actions?tag_name=game', { type: 'reboot' })).statusCode).toBe(422);
  });

  it("lists a droplet's actions newest first and 404s an action of another droplet", async () => {
    emu = testEmulator({ bootDelayMs: 100, actionDelayMs: 100 });
    const id = await activeDroplet();
    const other = await activeDroplet(['x'], 'gs-2');
    await emu.call('POST', `/v2/droplets/${id}/actions`, { type: 'reboot' });
    const list = json(await emu.call('GET', `/v2/droplets/${id}/actions`));
    expect(list.actions.map((x: { type: string }) => x.type)).toEqual(['reboot', 'create']);
    expect(list.meta.total).toBe(2);
    expect((await emu.call('GET', `/v2/droplets/${other}/actions/${list.actions[0].id}`)).statusCode).toBe(404);
    expect((await emu.call('GET', '/v2/actions/1')).statusCode).toBe(404);
    expect(json(await emu.call('GET', '/v2/actions')).meta.total).toBe(3);
  });
});
