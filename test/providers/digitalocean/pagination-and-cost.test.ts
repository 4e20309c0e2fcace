import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator } from '../../../src/emulator/index.js';
import { makeDoProvider, specFor, TEST_TAG, TEST_TOKEN } from './do-test-kit.js';

type Emulator = Awaited<ReturnType<typeof startEmulator>>;
let emu: Emulator;

beforeAll(async () => {
  // Droplets never finish booting here: listing cost does not depend on it, and the emulator's
  // pool of documentation-range public addresses (~760) is smaller than 1,000.
  emu = await startEmulator({ port: 0, bootDelayMs: 600_000, dropletLimit: 1200, seed: 3 });
});
afterAll(() => emu.close());
beforeEach(() => {
  emu.reset();
  emu.resetCounts();
});

/** Makes `count` droplets straight through the API, 10 names per POST, as another orchestrator run would have. */
async function seedDroplets(count: number, tag: string): Promise<string[]> {
  const ids: string[] = [];
  for (let done = 0; done < count; done += 10) {
    const batch = Array.from({ length: Math.min(10, count - done) }, () => randomUUID());
    ids.push(...batch);
    const res = await fetch(`${emu.url}/v2/droplets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        names: batch.map((id) => `gs-${id}`),
        region: 'nyc3',
        size: 's-1vcpu-1gb',
        image: 7555620,
        tags: [tag],
      }),
    });
    expect(res.status).toBe(202);
    await res.text(); // an unread body keeps its connection busy and the emulator from closing
  }
  emu.resetCounts();
  return ids;
}

describe('DigitalOceanProvider listing and API cost', () => {
  it('pages through 250 tagged droplets (200 per page) and leaves out untagged ones', async () => {
    const ours = await seedDroplets(250, TEST_TAG);
    await seedDroplets(30, 'someone-else');
    const list = await makeDoProvider(emu.url).list();
    expect(list).toHaveLength(250);
    expect(new Set(list.map((m) => m.serverId))).toEqual(new Set(ours));
    expect(new Set(list.map((m) => m.providerId)).size).toBe(250);
    expect(emu.requestCounts()).toEqual({ 'GET /v2/droplets': 2 });
  });

  it.each([
    [10, 1],
    [1000, 5],
  ])('lists %i droplets in %i call(s)', async (count, calls) => {
    await seedDroplets(count, TEST_TAG);
    const list = await makeDoProvider(emu.url).list();
    expect(list).toHaveLength(count);
    expect(emu.requestCounts()).toEqual({ 'GET /v2/droplets': calls });
  });

  it('spends 2 calls per create (name check + POST) and 2 per delete (DELETE + confirming GET)', async () => {
    const provider = makeDoProvider(emu.url);
    const m = await provider.create(specFor());
    expect(emu.requestCounts()).toEqual({ 'GET /v2/droplets': 1, 'POST /v2/droplets': 1 });
    emu.resetCounts();
    expect(await provider.delete(m.providerId)).toBe('gone');
    expect(emu.requestCounts()).toEqual({ 'DELETE /v2/droplets/{droplet_id}': 1, 'GET /v2/droplets/{droplet_id}': 1 });
  });
});
