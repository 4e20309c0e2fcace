import { afterEach, describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator.js';
import { heartbeat, testOrchestrator } from '../helpers/orchestrator.js';

let orch: Orchestrator;
afterEach(async () => orch.close());

describe('Idempotency-Key on start', () => {
  it('the same key returns the same session and server; another key gets another', async () => {
    orch = await testOrchestrator();
    for (let i = 1; i <= 3; i++) await heartbeat(orch.app, `198.51.100.${i}`, 0);
    const start = (key: string) =>
      orch.app.inject({ method: 'POST', url: '/sessions/start', headers: { 'idempotency-key': key } });
    const a = (await start('key-a')).json();
    const again = await Promise.all([start('key-a'), start('key-a'), start('key-a')]);
    for (const r of again) expect(r.json()).toEqual(a);
    const b = (await start('key-b')).json();
    expect(b.ip_address).not.toBe(a.ip_address);
    expect(b.share_tag).not.toBe(a.share_tag);
    expect((await orch.store.listSessions(['active'])).length).toBe(2);
  });

  it('concurrent first uses of one key make one session', async () => {
    orch = await testOrchestrator();
    for (let i = 1; i <= 10; i++) await heartbeat(orch.app, `198.51.100.${i}`, 0);
    const replies = await Promise.all(
      Array.from({ length: 10 }, () =>
        orch.app.inject({ method: 'POST', url: '/sessions/start', headers: { 'idempotency-key': 'same' } }),
      ),
    );
    const ok = replies.filter((r) => r.statusCode === 200).map((r) => r.json());
    expect(ok.length).toBeGreaterThan(0);
    expect(new Set(ok.map((b) => b.share_tag)).size).toBe(1);
    expect((await orch.store.listSessions(['active', 'pending'])).length).toBe(1);
  });
});
