import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { Orchestrator } from '../../src/orchestrator.js';
import { FakeClock } from '../../src/util/clock.js';
import { testOrchestrator } from '../helpers/orchestrator.js';

/*
 * Issue 21 items 10 and 11: admin-token guessing ran at ~370 a second, never throttled; any
 * token length was accepted silently; a lowercase `bearer` scheme got 401.
 */
let orch: Orchestrator | null = null;
afterEach(async () => {
  await orch?.close();
  orch = null;
});

const TOKEN = 'operator-token-0123456789abcdef-0123456789';
const status = (o: Orchestrator, authorization: string, from = '198.51.100.40') =>
  o.app.inject({ method: 'GET', url: '/v1/status', headers: { authorization }, remoteAddress: from });

describe('operator authentication', () => {
  it('the Bearer scheme is case-insensitive on /v1/status, the /v1 admin routes and /metrics', async () => {
    orch = await testOrchestrator({ ADMIN_TOKEN: TOKEN, METRICS_TOKEN: 'metrics-token-0123456789abcdef-0123' });
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      expect((await status(orch, `${scheme} ${TOKEN}`)).statusCode).toBe(200);
      const pool = await orch.app.inject({
        method: 'GET',
        url: '/v1/pool',
        headers: { authorization: `${scheme} ${TOKEN}` },
      });
      expect(pool.statusCode).toBe(200);
      const metrics = await orch.app.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: `${scheme} metrics-token-0123456789abcdef-0123` },
      });
      expect(metrics.statusCode).toBe(200);
    }
    expect((await status(orch, `Basic ${TOKEN}`)).statusCode).toBe(401);
  });

  it('ADMIN_AUTH_FAIL_LIMIT_PER_MIN wrong tokens from one address, on any operator surface, then 429 even for the right one; other addresses unaffected; it drains', async () => {
    const clock = new FakeClock();
    orch = await testOrchestrator({ ADMIN_TOKEN: TOKEN, ADMIN_AUTH_FAIL_LIMIT_PER_MIN: '6' }, { clock });
    const o = orch;
    const from = '2001:db8:5:5::1';
    // Six wrong guesses over three surfaces (the /64 is one address).
    expect((await status(o, 'Bearer guess-1', from)).statusCode).toBe(401);
    expect((await status(o, 'Bearer guess-2', '2001:db8:5:5::2')).statusCode).toBe(401);
    const pool = (token: string) =>
      o.app.inject({
        method: 'GET',
        url: '/v1/pool',
        headers: { authorization: `Bearer ${token}` },
        remoteAddress: from,
      });
    expect((await pool('guess-3')).statusCode).toBe(401);
    expect((await pool('guess-4')).statusCode).toBe(401);
    const login = (token: string) =>
      o.app.inject({
        method: 'POST',
        url: '/dashboard/login',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `token=${encodeURIComponent(token)}`,
        remoteAddress: from,
      });
    expect((await login('guess-5')).statusCode).toBe(401);
    expect((await login('guess-6')).statusCode).toBe(401);
    // Now refused before any comparison, the right token included.
    const refused = await status(o, `Bearer ${TOKEN}`, from);
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await pool(TOKEN)).statusCode).toBe(429);
    expect((await login(TOKEN)).statusCode).toBe(429);
    // Another address is not affected.
    expect((await status(o, `Bearer ${TOKEN}`, '198.51.100.41')).statusCode).toBe(200);
    // Six a minute drain one every 10 s: then one attempt fits again.
    clock.advance(10_000);
    expect((await status(o, `Bearer ${TOKEN}`, from)).statusCode).toBe(200);
    // Right tokens never count.
    for (let i = 0; i < 20; i++) expect((await status(o, `Bearer ${TOKEN}`, from)).statusCode).toBe(200);
  });

  it('a short ADMIN_TOKEN is warned about at start-up, naming the variable and never the token', () => {
    const cfg = loadConfig({ DB_PATH: ':memory:', ADMIN_TOKEN: 'zq7xshort' });
    const warning = cfg.warnings.find((w) => w.includes('ADMIN_TOKEN'));
    expect(warning).toMatch(/at least 32/);
    expect(cfg.warnings.join('\n')).not.toContain('zq7xshort');
    expect(
      loadConfig({ DB_PATH: ':memory:', ADMIN_TOKEN: TOKEN }).warnings.some((w) => w.includes('ADMIN_TOKEN')),
    ).toBe(false);
  });
});
