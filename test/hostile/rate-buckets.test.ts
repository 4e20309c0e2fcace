import { afterEach, describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator.js';
import { FakeClock } from '../../src/util/clock.js';
import { testOrchestrator } from '../helpers/orchestrator.js';

/*
 * Issue 21 item 9: the guess limit was a fixed window (60 guesses landed in 3.3 s across a
 * minute boundary); with HOST=:: the original routes counted 127.0.0.1 and /v1
 * ::ffff:127.0.0.1 (twice the budget); an IPv6 client got a bucket per address, not per /64.
 */
let orch: Orchestrator | null = null;
afterEach(async () => {
  await orch?.close();
  orch = null;
});

const MINUTE = 60_000;
let n = 0;
const unknownCode = () => `ZZZ${String(n++ % 1000).padStart(3, '0')}`.replace(/0/g, 'Q').replace(/1/g, 'R');

/** One failed guess from `from`, by the original join or the /v1 lookup; answers the status. */
async function guess(o: Orchestrator, from: string, by: 'original' | 'v1' = 'original'): Promise<number> {
  const code = unknownCode();
  const r =
    by === 'original'
      ? await o.app.inject({ method: 'POST', url: `/sessions/join?game_tag=${code}`, remoteAddress: from })
      : await o.app.inject({ method: 'GET', url: `/v1/sessions/${code}`, remoteAddress: from });
  return r.statusCode;
}

async function guesses(
  o: Orchestrator,
  count: number,
  from: (i: number) => string,
  by?: (i: number) => 'original' | 'v1',
) {
  const codes: number[] = [];
  for (let i = 0; i < count; i++) codes.push(await guess(o, from(i), by?.(i)));
  return { looked: codes.filter((c) => c === 404).length, refused: codes.filter((c) => c === 429).length };
}

describe('code-guess limits are a leaky bucket per canonical address and per IPv6 /64', () => {
  it('a minute boundary does not let twice the limit through: 30 guesses just before it, then none just after', async () => {
    const clock = new FakeClock(Math.ceil(1_700_000_000_000 / MINUTE) * MINUTE - 200); // 0.2 s before a minute starts
    orch = await testOrchestrator({ JOIN_FAIL_LIMIT_PER_MIN: '30' }, { clock });
    expect(await guesses(orch, 40, () => '198.51.100.7')).toEqual({ looked: 30, refused: 10 });
    clock.advance(400); // 0.2 s into the next minute: a fixed window would start from zero here
    expect(await guesses(orch, 40, () => '198.51.100.7')).toEqual({ looked: 0, refused: 40 });
    // The bucket drains 30 a minute: 10 s later, five more guesses fit (refused ones never count).
    clock.advance(10_000);
    expect((await guesses(orch, 10, () => '198.51.100.7')).looked).toBe(5);
    // Another address has its own whole budget.
    expect((await guesses(orch, 31, () => '198.51.100.8')).looked).toBe(30);
  });

  it('the answer says when to come back: Retry-After is the time for one guess to drain, not the rest of a minute', async () => {
    const clock = new FakeClock(Math.ceil(1_700_000_000_000 / MINUTE) * MINUTE + 1_000);
    orch = await testOrchestrator({ JOIN_FAIL_LIMIT_PER_MIN: '30' }, { clock });
    await guesses(orch, 30, () => '198.51.100.9');
    const r = await orch.app.inject({
      method: 'POST',
      url: '/sessions/join?game_tag=QQQQQQ',
      remoteAddress: '198.51.100.9',
    });
    expect(r.statusCode).toBe(429);
    expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(2);
    expect(Number(r.headers['retry-after'])).toBeLessThanOrEqual(6);
  });

  it('127.0.0.1 and ::ffff:127.0.0.1, by the original routes and /v1, spend one budget', async () => {
    orch = await testOrchestrator({ JOIN_FAIL_LIMIT_PER_MIN: '10' });
    const spellings = ['127.0.0.1', '::ffff:127.0.0.1', '::FFFF:7f00:1'];
    const r = await guesses(
      orch,
      30,
      (i) => spellings[i % 3]!,
      (i) => (i % 2 ? 'v1' : 'original'),
    );
    expect(r).toEqual({ looked: 10, refused: 20 });
  });

  it('an IPv6 client is one bucket per /64: 30 addresses in one /64 get one budget, another /64 its own', async () => {
    orch = await testOrchestrator({ JOIN_FAIL_LIMIT_PER_MIN: '10' });
    expect(await guesses(orch, 30, (i) => `2001:db8:aa:bb::${(i + 1).toString(16)}`)).toEqual({
      looked: 10,
      refused: 20,
    });
    expect(
      await guesses(
        orch,
        30,
        (i) => `2001:db8:aa:bb:${(i + 1).toString(16)}::1`,
        () => 'v1',
      ),
    ).toEqual({
      looked: 0,
      refused: 30,
    });
    expect((await guesses(orch, 11, () => '2001:db8:aa:bc::1')).looked).toBe(10);
  });

  it('starts: the same bucket rule (a minute boundary gives nothing back at once)', async () => {
    const clock = new FakeClock(Math.ceil(1_700_000_000_000 / MINUTE) * MINUTE - 100);
    orch = await testOrchestrator({ START_RATE_LIMIT_PER_MIN: '5', MAX_SERVERS: '0' }, { clock });
    const start = () =>
      orch!.app.inject({ method: 'POST', url: '/v1/sessions', payload: {}, remoteAddress: '203.0.113.5' });
    const before = [];
    for (let i = 0; i < 8; i++) before.push((await start()).statusCode);
    clock.advance(200);
    const after = [];
    for (let i = 0; i < 5; i++) after.push((await start()).statusCode);
    expect(before.filter((c) => c === 429)).toHaveLength(3);
    expect(after.every((c) => c === 429)).toBe(true);
  });
});
