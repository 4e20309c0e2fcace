import { afterEach, describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator.js';
import { importLegacyRows } from '../../src/store/legacy-import.js';
import { testOrchestrator } from '../helpers/orchestrator.js';

let orch: Orchestrator;
afterEach(async () => orch.close());

const join = (code: string) =>
  orch.app.inject({ method: 'POST', url: `/sessions/join?game_tag=${encodeURIComponent(code)}` });

describe('join matches share codes on ASCII letters and digits only', () => {
  it('codes that only match after Unicode case folding are a plain 404; ASCII case and hex codes still join', async () => {
    orch = await testOrchestrator();
    await importLegacyRows(
      orch.store,
      [
        { ipv4: '203.0.113.7', share_tag: 'SSFF01', droplet_id: null },
        { ipv4: '203.0.113.8', share_tag: 'ab10cd', droplet_id: null },
      ],
      Date.now(),
    );
    expect((await join('ssff01')).json()).toEqual({ ip_address: '203.0.113.7' });
    expect((await join(' AB10CD ')).json()).toEqual({ ip_address: '203.0.113.8' });
    for (const hostile of ['ſſFF01', 'SSﬀ01', 'ßFF01', 'ＳＳFF01']) {
      const r = await join(hostile);
      expect(r.statusCode).toBe(404);
      expect(r.json()).toEqual({ detail: 'Droplet not found in database.' });
    }
  });
});
