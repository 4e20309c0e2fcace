import { afterEach, describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator.js';
import { heartbeat, testOrchestrator } from '../helpers/orchestrator.js';

let orch: Orchestrator;
afterEach(async () => orch.close());

/**
 * app.inject() connects from 127.0.0.1: that is the load balancer. It appends the address it
 * saw (the real client) to whatever X-Forwarded-For the client wrote itself.
 */
const viaProxy = (url: string, realClient: string, clientWritten: string) =>
  orch.app.inject({ method: 'POST', url, headers: { 'x-forwarded-for': `${clientWritten}, ${realClient}` } });

let n = 0;
const spoof = () => `198.18.${(n >> 8) & 255}.${n++ & 255}`;

// `true` is one hop (the load balancer in front); a list names the proxies.
for (const setting of ['true', '1', '127.0.0.1', '10.0.0.0/8, 127.0.0.0/8']) {
  describe(`TRUST_PROXY=${setting}`, () => {
    it('a client rotating its own X-Forwarded-For does not escape JOIN_FAIL_LIMIT_PER_MIN', async () => {
      orch = await testOrchestrator({ TRUST_PROXY: setting, JOIN_FAIL_LIMIT_PER_MIN: '2' });
      const join = (client: string) => viaProxy('/sessions/join?game_tag=NOPE22', client, spoof());
      expect((await join('192.0.2.1')).statusCode).toBe(404);
      expect((await join('192.0.2.1')).statusCode).toBe(404);
      for (let i = 0; i < 5; i++) expect((await join('192.0.2.1')).statusCode).toBe(429);
      // Another client behind the same proxy is not affected.
      expect((await join('192.0.2.2')).statusCode).toBe(404);
    });

    it('a client rotating its own X-Forwarded-For does not escape START_RATE_LIMIT_PER_MIN', async () => {
      orch = await testOrchestrator({ TRUST_PROXY: setting, START_RATE_LIMIT_PER_MIN: '2' });
      for (let i = 1; i <= 3; i++) await heartbeat(orch.app, `198.51.100.${i}`, 0);
      const start = (client: string) => viaProxy('/sessions/start', client, spoof());
      expect((await start('192.0.2.1')).statusCode).toBe(200);
      expect((await start('192.0.2.1')).statusCode).toBe(200);
      for (let i = 0; i < 5; i++) expect((await start('192.0.2.1')).statusCode).toBe(429);
      expect((await start('192.0.2.2')).statusCode).toBe(200);
    });
  });
}

describe('TRUST_PROXY with a list that does not name the peer', () => {
  it('ignores X-Forwarded-For altogether: the peer is the client', async () => {
    orch = await testOrchestrator({ TRUST_PROXY: '10.0.0.0/8', JOIN_FAIL_LIMIT_PER_MIN: '1' });
    expect((await viaProxy('/sessions/join?game_tag=NOPE22', '192.0.2.1', spoof())).statusCode).toBe(404);
    expect((await viaProxy('/sessions/join?game_tag=NOPE22', '192.0.2.2', spoof())).statusCode).toBe(429);
  });
});

describe('TRUST_PROXY=false', () => {
  it('ignores X-Forwarded-For', async () => {
    orch = await testOrchestrator({ TRUST_PROXY: 'false', JOIN_FAIL_LIMIT_PER_MIN: '1' });
    expect((await viaProxy('/sessions/join?game_tag=NOPE22', '192.0.2.1', spoof())).statusCode).toBe(404);
    expect((await viaProxy('/sessions/join?game_tag=NOPE22', '192.0.2.2', spoof())).statusCode).toBe(429);
  });
});

describe('rate limits key on the canonical client address', () => {
  it('::ffff:192.0.2.1 and 192.0.2.1 share one budget', async () => {
    orch = await testOrchestrator({ TRUST_PROXY: 'true', JOIN_FAIL_LIMIT_PER_MIN: '2' });
    expect((await viaProxy('/sessions/join?game_tag=NOPE22', '192.0.2.1', spoof())).statusCode).toBe(404);
    expect((await viaProxy('/sessions/join?game_tag=NOPE22', '::ffff:192.0.2.1', spoof())).statusCode).toBe(404);
    expect((await viaProxy('/sessions/join?game_tag=NOPE22', '::FFFF:c000:201', spoof())).statusCode).toBe(429);
  });
});
