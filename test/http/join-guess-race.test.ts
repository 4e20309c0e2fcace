import { afterEach, describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator.js';
import { heartbeat, testOrchestrator } from '../helpers/orchestrator.js';

let orch: Orchestrator | null = null;
afterEach(async () => {
  await orch?.close();
  orch = null;
});

/** The original join's guess limit holds when guesses arrive together, not only one by one. */
describe('POST /sessions/join: concurrent guesses', () => {
  it('30 simultaneous unknown codes from one address with JOIN_FAIL_LIMIT_PER_MIN=5: exactly 5 are looked up', async () => {
    orch = await testOrchestrator({ JOIN_FAIL_LIMIT_PER_MIN: '5' });
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        orch!.app.inject({ method: 'POST', url: `/sessions/join?game_tag=ZZZZ${String(i).padStart(2, '0')}` }),
      ),
    );
    const codes = answers.map((a) => a.statusCode);
    // Exactly the budget is looked up (each unknown code looked up answers 404): a limiter that
    // refused everything, or one that let the simultaneous guesses pass together, fails here.
    expect(codes.filter((c) => c === 404)).toHaveLength(5);
    expect(codes.filter((c) => c === 429)).toHaveLength(25);
  });

  it('correct codes never count: after many joins the address still has its whole failure budget', async () => {
    orch = await testOrchestrator({ JOIN_FAIL_LIMIT_PER_MIN: '2' });
    expect((await heartbeat(orch.app, '198.51.100.90', 0)).statusCode).toBe(200);
    const code = (await orch.app.inject({ method: 'POST', url: '/sessions/start' })).json().share_tag as string;
    // Up to the limit in flight at once, then one after another.
    const together = await Promise.all(
      [1, 2].map(() => orch!.app.inject({ method: 'POST', url: `/sessions/join?game_tag=${code}` })),
    );
    expect(together.map((j) => j.statusCode)).toEqual([200, 200]);
    for (let i = 0; i < 10; i++)
      expect((await orch.app.inject({ method: 'POST', url: `/sessions/join?game_tag=${code}` })).statusCode).toBe(200);
    expect((await orch.app.inject({ method: 'POST', url: '/sessions/join?game_tag=QQQQQQ' })).statusCode).toBe(404);
    expect((await orch.app.inject({ method: 'POST', url: '/sessions/join?game_tag=QQQQQR' })).statusCode).toBe(404);
    expect((await orch.app.inject({ method: 'POST', url: '/sessions/join?game_tag=QQQQQS' })).statusCode).toBe(429);
  });
});
