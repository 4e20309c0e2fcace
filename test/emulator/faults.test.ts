import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { AUTH, createBody, json, testEmulator, type TestEmulator } from './helpers.js';

describe('injected faults (inject)', () => {
  let emu: TestEmulator;
  afterEach(async () => emu.app.close());

  it('fails every response with 500/502/503/504 under errorRate 1, some as Cloudflare HTML', async () => {
    emu = testEmulator({ faults: { errorRate: 1 } });
    const seen = new Map<number, Set<string>>();
    for (let i = 0; i < 40; i++) {
      const res = await emu.call('GET', '/v2/account');
      const kind = String(res.headers['content-type']).split(';')[0] ?? '';
      if (!seen.has(res.statusCode)) seen.set(res.statusCode, new Set());
      seen.get(res.statusCode)?.add(kind);
      expect(res.headers['x-request-id']).toBeDefined();
      expect(res.headers['ratelimit-remaining']).toBeDefined();
      if (kind === 'text/html') expect(res.body).toContain('cloudflare');
      else expect(json(res)).toHaveProperty('message');
    }
    expect([...seen.keys()].sort()).toEqual([500, 502, 503, 504]);
    expect(seen.get(500)).toEqual(new Set(['application/json']));
    expect(seen.get(502)).toEqual(new Set(['text/html']));
  });

  it('fails about errorRate of the requests and has no effect on the failed creates', async () => {
    emu = testEmulator({ faults: { errorRate: 0.3 }, dropletLimit: 300 });
    let failed = 0;
    for (let i = 0; i < 200; i++) {
      const res = await emu.call('POST', '/v2/droplets', createBody({ name: `gs-${i}` }));
      if (res.statusCode >= 500) failed++;
    }
    expect(failed).toBeGreaterThan(40);
    expect(failed).toBeLessThan(80);
    const state = json(await emu.app.inject({ method: 'GET', url: '/_emulator/state' }));
    expect(state.droplets).toHaveLength(200 - failed);
  });

  it('replays the same faults for the same seed', async () => {
    const run = async (seed: number): Promise<number[]> => {
      const e = testEmulator({ seed, faults: { errorRate: 0.5 } });
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) statuses.push((await e.call('GET', '/v2/regions')).statusCode);
      await e.app.close();
      return statuses;
    };
    emu = testEmulator();
    expect(await run(7)).toEqual(await run(7));
    expect(await run(7)).not.toEqual(await run(8));
  });

  it('rejects the inject when dropRate drops the connection', async () => {
    emu = testEmulator({ faults: { dropRate: 1 } });
    await expect(emu.call('GET', '/v2/account')).rejects.toThrow(/destroyed/);
  });

  it('changes faults at run time through PUT /_emulator/faults and validates them', async () => {
    emu = testEmulator();
    const put = await emu.app.inject({ method: 'PUT', url: '/_emulator/faults', payload: { errorRate: 1 } });
    expect(json(put).errorRate).toBe(1);
    expect((await emu.call('GET', '/v2/account')).statusCode).toBeGreaterThanOrEqual(500);
    const bad = await emu.app.inject({ method: 'PUT', url: '/_emulator/faults', payload: { errorRate: 2 } });
    expect(bad.statusCode).toBe(400);
    expect(json(bad).message).toContain('errorRate');
    const unknown = await emu.app.inject({ method: 'PUT', url: '/_emulator/faults', payload: { chaos: 1 } });
    expect(unknown.statusCode).toBe(400);
    await emu.app.inject({ method: 'PUT', url: '/_emulator/faults', payload: { errorRate: 0 } });
    expect((await emu.call('GET', '/v2/account')).statusCode).toBe(200);
  });

  it('resets droplets, tags, counts and faults with POST /_emulator/reset', async () => {
    emu = testEmulator({ faults: { listLagMs: 5 } });
    await emu.call('POST', '/v2/droplets', createBody());
    await emu.app.inject({ method: 'PUT', url: '/_emulator/faults', payload: { errorRate: 1 } });
    expect((await emu.app.inject({ method: 'POST', url: '/_emulator/reset' })).statusCode).toBe(204);
    const state = json(await emu.app.inject({ method: 'GET', url: '/_emulator/state' }));
    expect(state).toMatchObject({ droplets: [], tags: [], requestCounts: {} });
    expect(state.faults).toMatchObject({ errorRate: 0, listLagMs: 5 });
  });
});

describe('injected faults (real HTTP)', () => {
  let emulator: RunningEmulator;
  afterEach(async () => emulator.close());

  const post = (body: unknown): Promise<Response> =>
    fetch(`${emulator.url}/v2/droplets`, {
      method: 'POST',
      headers: { ...AUTH, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('destroys the socket without an answer under dropRate', async () => {
    emulator = await startEmulator({ faults: { dropRate: 1 }, seed: 1 });
    await expect(fetch(`${emulator.url}/v2/account`, { headers: AUTH })).rejects.toThrow(/fetch failed/);
    expect(emulator.requestCounts()).toEqual({ 'GET /v2/account': 1 });
  });

  it('delays responses by slowMs under slowRate', async () => {
    emulator = await startEmulator({ faults: { slowRate: 1, slowMs: 600 } });
    const started = performance.now();
    const res = await fetch(`${emulator.url}/v2/account`, { headers: AUTH });
    expect(res.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(595);
    // slowRate 0 turns it off: with a delay of a minute left configured, an answer within half
    // of it can only be an undelayed one (a generous bound for a loaded machine).
    emulator.setFaults({ slowRate: 0, slowMs: 60_000 });
    const fast = performance.now();
    await fetch(`${emulator.url}/v2/account`, { headers: AUTH });
    expect(performance.now() - fast).toBeLessThan(30_000);
  });

  it('creates the droplet but never answers 202 under lostCreateRate', async () => {
    emulator = await startEmulator({ faults: { lostCreateRate: 1 }, seed: 3 });
    const outcomes: string[] = [];
    for (let i = 0; i < 8; i++) {
      try {
        const res = await post(createBody({ name: `gs-${i}` }));
        await res.text();
        outcomes.push(String(res.status));
      } catch {
        outcomes.push('dropped');
      }
    }
    expect(outcomes).not.toContain('202');
    expect(outcomes).toContain('dropped');
    expect(outcomes.some((o) => o.startsWith('5'))).toBe(true);
    expect(emulator.droplets().map((d) => d.name)).toEqual(Array.from({ length: 8 }, (_, i) => `gs-${i}`));
  });

  it('lets setFaults switch a fault on and off while listening', async () => {
    emulator = await startEmulator({});
    emulator.setFaults({ errorRate: 1 });
    expect((await fetch(`${emulator.url}/v2/account`, { headers: AUTH })).status).toBeGreaterThanOrEqual(500);
    emulator.setFaults({ errorRate: 0 });
    expect((await fetch(`${emulator.url}/v2/account`, { headers: AUTH })).status).toBe(200);
    expect(() => emulator.setFaults({ dropRate: -1 })).toThrow(/dropRate/);
  });
});
