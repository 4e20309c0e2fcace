import { afterEach, describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator.js';
import { heartbeat, testOrchestrator } from '../helpers/orchestrator.js';

let orch: Orchestrator;
afterEach(async () => orch.close());

const start = (key: string) =>
  orch.app.inject({ method: 'POST', url: '/sessions/start', headers: { 'idempotency-key': key } });

describe('Idempotency-Key limits', () => {
  it('a key of 200 characters is used whole; two keys sharing their first 200 characters are refused, not merged', async () => {
    orch = await testOrchestrator();
    for (let i = 1; i <= 3; i++) await heartbeat(orch.app, `198.51.100.${i}`, 0);
    const prefix = 'k'.repeat(200);
    expect((await start(prefix)).statusCode).toBe(200);
    for (const key of [`${prefix}a`, `${prefix}b`]) {
      const r = await start(key);
      expect(r.statusCode).toBe(400);
      expect(r.json()).toEqual({ detail: 'Idempotency-Key must be at most 200 characters' });
    }
    expect((await orch.store.listSessions(['active', 'pending'])).length).toBe(1);
  });

  it('a key with control characters is refused with 400 and starts nothing', async () => {
    orch = await testOrchestrator();
    await heartbeat(orch.app, '198.51.100.1', 0);
    for (const key of ['abc\tdef', 'abc\x7fdef', 'a\x01b', 'a\x85b']) {
      const r = await start(key);
      expect(r.statusCode).toBe(400);
      expect(r.json()).toEqual({ detail: 'Idempotency-Key must not contain control characters' });
    }
    expect(await orch.store.listSessions(['active', 'pending'])).toEqual([]);
  });

  it('a refused key does not use up the start rate limit', async () => {
    orch = await testOrchestrator({ START_RATE_LIMIT_PER_MIN: '1' });
    await heartbeat(orch.app, '198.51.100.1', 0);
    expect((await start('x'.repeat(201))).statusCode).toBe(400);
    expect((await start('ok')).statusCode).toBe(200);
  });
});
