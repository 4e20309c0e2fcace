import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH, createBody, testEmulator, type TestEmulator } from './helpers.js';
import { SpecValidator, type Recorded } from './spec-validator.js';

// The schema is vendored under test/emulator/do-openapi/: these checks run everywhere, never skipped.
const validator = SpecValidator.load();

/** Operations of the subset the emulator does not implement (deleting catalogue entries). */
const NOT_EMULATED = ['DELETE /v2/images/{image_id}', 'DELETE /v2/snapshots/{snapshot_id}'];

type Call = (
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  payload?: unknown,
  auth?: boolean,
) => Promise<Record<string, any>>;

/** A caller that records every response into `log` and returns the parsed JSON body (or null). */
function recorder(emu: TestEmulator, log: Recorded[]): Call {
  return async (method, url, payload, auth = true) => {
    const res = await emu.app.inject({
      method,
      url,
      headers: auth ? AUTH : {},
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
    const contentType = String(res.headers['content-type']);
    log.push({ method, url, status: res.statusCode, contentType, body: res.body });
    return (contentType.startsWith('application/json') && res.body !== '' ? JSON.parse(res.body) : null) as Record<
      string,
      any
    >;
  };
}

/** Creates (valid and invalid), reads and lists droplets before and after boot; returns one droplet id. */
async function exerciseDroplets(call: Call, emu: TestEmulator): Promise<number> {
  await call('GET', '/v2/account');
  await call('GET', '/v2/account', undefined, false);
  await call('GET', '/v2/account/keys');
  const single = await call(
    'POST',
    '/v2/droplets',
    createBody({ user_data: '#cloud-config\n', monitoring: true, backups: true }),
  );
  const multi = await call(
    'POST',
    '/v2/droplets',
    createBody({ name: undefined, names: ['m-1', 'm-2', 'm-3'], ipv6: true }),
  );
  await call(
    'POST',
    '/v2/droplets',
    createBody({ name: 'gpu-1', size: 'gpu-h100x1-80gb', region: 'tor1', image: 'ubuntu-24-04-x64' }),
  );
  for (const bad of [{ name: 'bad name' }, { size: 'nope' }, { image: 7555621 }, { names: Array(11).fill('x') }]) {
    await call('POST', '/v2/droplets', createBody(bad));
  }
  await call('POST', '/v2/droplets', '{"name": "x",');
  const id = single.droplet.id as number;
  await call('GET', `/v2/droplets/${id}`);
  await call('POST', `/v2/droplets/${id}/actions`, { type: 'reboot' });
  await call('GET', '/v2/droplets?per_page=1&page=2');
  await emu.advance(5000);
  for (const q of [
    '',
    '?per_page=2',
    '?per_page=2&page=3',
    '?tag_name=femquest-server',
    '?name=m-1',
    '?type=gpus',
    '?page=9',
  ]) {
    await call('GET', `/v2/droplets${q}`);
  }
  await call('GET', `/v2/droplets/${multi.droplets[0].id}`);
  return id;
}

/** Power actions, the pending-event 422, action polling and lists. */
async function exerciseActions(call: Call, emu: TestEmulator, id: number): Promise<void> {
  const action = await call('POST', `/v2/droplets/${id}/actions`, { type: 'power_off' });
  await call('POST', `/v2/droplets/${id}/actions`, { type: 'power_on' });
  await call('POST', `/v2/droplets/${id}/actions`, { type: 'nope' });
  await call('POST', '/v2/droplets/999/actions', { type: 'reboot' });
  await call('GET', `/v2/droplets/${id}`);
  await call('GET', `/v2/actions/${action.action.id}`);
  await call('GET', `/v2/droplets/${id}/actions/${action.action.id}`);
  await call('GET', `/v2/droplets/${id}/actions`);
  await call('GET', '/v2/actions?per_page=2&page=2');
  await call('GET', '/v2/actions/1');
  await emu.advance(5000);
  await call('POST', '/v2/droplets/actions?tag_name=femquest-server', { type: 'shutdown' });
  await call('GET', `/v2/droplets/${id}/snapshots`);
}

async function exerciseCatalogue(call: Call): Promise<void> {
  const urls = [
    '/v2/regions',
    '/v2/regions?per_page=5&page=2',
    '/v2/sizes',
    '/v2/sizes?page=2',
    '/v2/images',
    '/v2/images?private=true',
    '/v2/images?type=distribution',
    '/v2/images/7555620',
    '/v2/images/ubuntu-24-04-x64',
    '/v2/images/nope',
    '/v2/snapshots',
    '/v2/snapshots?resource_type=droplet',
    '/v2/snapshots/7555620',
    '/v2/snapshots/1',
  ];
  for (const url of urls) await call('GET', url);
}

async function exerciseTagsAndDeletes(call: Call, id: number): Promise<void> {
  const resources = { resources: [{ resource_id: String(id), resource_type: 'droplet' }] };
  await call('POST', '/v2/tags', { name: 'extra-awesome' });
  await call('POST', '/v2/tags', { name: 'not valid!' });
  await call('POST', '/v2/tags/extra-awesome/resources', resources);
  for (const url of ['/v2/tags', '/v2/tags/extra-awesome', '/v2/tags/femquest-server', '/v2/tags/missing'])
    await call('GET', url);
  await call('DELETE', '/v2/tags/extra-awesome/resources', resources);
  await call('DELETE', '/v2/tags/extra-awesome');
  await call('DELETE', `/v2/droplets/${id}`);
  await call('DELETE', `/v2/droplets/${id}`);
  await call('DELETE', '/v2/droplets?tag_name=femquest-server');
  await call('GET', `/v2/droplets/${id}`);
}

/** A failed create, an injected 429 and injected 5xx (JSON and HTML). */
async function exerciseFaults(call: Call, emu: TestEmulator): Promise<void> {
  await call('PUT', '/_emulator/faults', { createErrorRate: 1 }, false);
  const doomed = await call('POST', '/v2/droplets', createBody({ name: 'doomed' }));
  await emu.advance(5000);
  await call('GET', `/v2/actions/${doomed.links.actions[0].id}`);
  await call('GET', `/v2/droplets/${doomed.droplet.id}`);
  await call('PUT', '/_emulator/faults', { burst429: 1 }, false);
  await call('GET', '/v2/regions');
  await call('PUT', '/_emulator/faults', { errorRate: 1 }, false);
  for (let i = 0; i < 12; i++) await call('GET', '/v2/account');
}

describe('emulator responses match the official DigitalOcean schema', () => {
  const log: Recorded[] = [];
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = testEmulator({ bootDelayMs: 1000, actionDelayMs: 1000, seed: 5 });
    const call = recorder(emu, log);
    const id = await exerciseDroplets(call, emu);
    await exerciseActions(call, emu, id);
    await exerciseCatalogue(call);
    await exerciseTagsAndDeletes(call, id);
    await exerciseFaults(call, emu);
  });
  afterAll(async () => emu.app.close());

  it('validates every JSON body of every /v2 route against its declared response schema', () => {
    const api = log.filter((r) => r.url.startsWith('/v2'));
    const failures: string[] = [];
    let checked = 0;
    for (const r of api) {
      if (r.status === 204) {
        expect(r.body).toBe('');
        continue;
      }
      if (!r.contentType.startsWith('application/json')) continue;
      checked++;
      const problem = validator.check(r);
      if (problem) failures.push(`${r.method} ${r.url} → ${r.status}: ${problem}\n${r.body.slice(0, 300)}`);
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(55);
    expect(new Set(api.map((r) => r.status))).toEqual(
      new Set([200, 201, 202, 204, 400, 401, 404, 422, 429, 500, 502, 503, 504]),
    );
  });

  it('exercises every operation of the schema subset the emulator implements', () => {
    const seen = new Set(log.map((r) => validator.operationKey(r.method, r.url)).filter(Boolean));
    const spec = JSON.parse(
      JSON.stringify((validator as unknown as { spec: { paths: Record<string, object> } }).spec.paths),
    );
    const all = Object.entries(spec as Record<string, Record<string, unknown>>).flatMap(([p, ops]) =>
      Object.keys(ops)
        .filter((m) => m !== 'parameters')
        .map((m) => `${m.toUpperCase()} ${p}`),
    );
    expect(all.filter((op) => !seen.has(op) && !NOT_EMULATED.includes(op))).toEqual([]);
  });

  it('would catch a body that breaks the schema', () => {
    const good = log.find((r) => r.url.startsWith('/v2/droplets/') && r.method === 'GET' && r.status === 200);
    expect(good && validator.check(good)).toBeNull();
    const broken = JSON.parse(good?.body ?? '{}');
    broken.droplet.status = 'booting';
    delete broken.droplet.networks;
    expect(validator.check({ ...(good as Recorded), body: JSON.stringify(broken) })).toMatch(/status|networks/);
  });
});
