import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/config.js';
import type { Orchestrator } from '../../src/orchestrator.js';
import { launchChromium } from '../helpers/chromium.js';
import { heartbeat, testOrchestrator } from '../helpers/orchestrator.js';
import { serverCall } from '../http/v1/v1-helpers.js';

const SHOTS = path.join(PACKAGE_ROOT, 'test-artifacts', 'dashboard');
const TOKEN = 'dashboard-admin-token';

let orch: Orchestrator;
let base: string;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  orch = await testOrchestrator({
    ADMIN_TOKEN: TOKEN,
    READINESS: 'address',
    POOL_BUFFER: '1',
    MAX_SERVERS: '3',
    // Two regions: the pool card lists each one's pool (ams3 keeps none of its own).
    REGIONS: 'local,ams3',
    EVENTS_POLL_MS: '50',
    SSE_HEARTBEAT_MS: '1000',
    // The chart's data comes from the cost report: not a report cached before a test's rows were written.
    COSTS_CACHE_MS: '0',
  });
  await orch.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(orch.app.server.address() as AddressInfo).port}`;
  // Something to look at: the pool's local server (a real child process) and two external ones.
  await orch.reconciler.runPass();
  await heartbeat(orch.app, '198.51.100.7', 0);
  await heartbeat(orch.app, '198.51.100.8', 3);
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await orch?.close();
});

describe('dashboard in Chromium', () => {
  it('signs in, shows a session started through the API without a reload, ends it from the UI', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${base}/dashboard`);
    await page.fill('#token', 'wrong');
    await page.click('button[type=submit]');
    await expect.poll(() => page.textContent('.error')).toContain('not valid');
    await page.fill('#token', TOKEN);
    await page.click('button[type=submit]');
    await page.waitForSelector('#live[data-state="live"]', { timeout: 10_000 });
    // Three servers made within the same second: time-ordered ids share their first 8 hex
    // digits, so the dashboard shows their random tails, each different.
    const ids = (await orch.store.listServers()).map((s) => s.id);
    expect(ids.length).toBeGreaterThanOrEqual(3);
    const shown = page.locator('#servers tbody code');
    await expect.poll(() => shown.count()).toBe(ids.length);
    const labels = await shown.allTextContents();
    expect(new Set(labels).size).toBe(ids.length);
    expect(labels.sort()).toEqual(ids.map((id) => `…${id.slice(-8)}`).sort());
    // The pool per region: the default region's (POOL_BUFFER=1; the idle external server counts there) and ams3's (none of its own).
    await expect
      .poll(() => page.locator('#k-pool-regions li').allTextContents())
      .toEqual(['local: 2 / 1 · 0 coming · min 0, buffer 1, cap 3', 'ams3: 0 / 0 · 0 coming · min 0, buffer 0, cap 3']);

    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: 'go_dashboard', httpOnly: true, sameSite: 'Strict' });
    expect(cookie!.value).not.toContain(TOKEN);

    // A marker on window survives only if the page is never reloaded.
    await page.evaluate(() => ((globalThis as unknown as { marker: number }).marker = 42));
    const start = await fetch(`${base}/sessions/start`, { method: 'POST' });
    const { share_tag: code } = (await start.json()) as { share_tag: string };
    const row = page.locator(`tr[data-code="${code}"]`);
    await row.waitFor({ timeout: 10_000 });
    await page.locator('#events li[data-kind="session.started"]').first().waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as { marker: number }).marker)).toBe(42);

    await page.screenshot({ path: path.join(SHOTS, 'desktop.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: path.join(SHOTS, 'phone.png'), fullPage: true });
    await page.setViewportSize({ width: 1366, height: 900 });

    // A cookie-authorized change without the CSRF header is refused.
    const bare = await page.evaluate(
      async (c) => (await fetch(`/v1/sessions/${c}`, { method: 'DELETE' })).status,
      code,
    );
    expect(bare).toBe(401);
    expect((await orch.store.findLiveSessionByCode(code))?.state).toBe('active');

    await row.locator('button[data-action="end-session"]').click();
    await page.waitForSelector('dialog#confirm[open]');
    await page.screenshot({ path: path.join(SHOTS, 'confirm.png') });
    await page.click('#confirm-ok');
    await row.waitFor({ state: 'detached', timeout: 10_000 });
    expect(await orch.store.findLiveSessionByCode(code)).toBeNull();
    await page.locator('#events li[data-kind="session.ended"]').first().waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as { marker: number }).marker)).toBe(42);
    await context.close();
  }, 60_000);

  it("shows each session's seats, taken and reserved of max_players, updated live", async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${base}/dashboard`);
    await page.fill('#token', TOKEN);
    await page.click('button[type=submit]');
    await page.waitForSelector('#live[data-state="live"]', { timeout: 10_000 });
    const post = async (url: string, body: object) =>
      fetch(`${base}${url}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    await heartbeat(orch.app, '198.51.100.9', 0);
    const started = (await (await post('/v1/sessions', { max_players: 4 })).json()) as { code: string; state: string };
    expect(started.state).toBe('active');
    const cell = page.locator(`tr[data-code="${started.code}"] td[data-label="Seats"]`);
    await expect.poll(() => cell.textContent(), { timeout: 10_000 }).toBe('0 taken · 0 reserved / 4');
    for (const player of ['ann', 'bob'])
      expect((await post(`/v1/sessions/${started.code}/join`, { player_id: player })).status).toBe(200);
    await expect.poll(() => cell.textContent(), { timeout: 10_000 }).toBe('0 taken · 2 reserved / 4');
    // The game server reports ann connected: her seat is taken (without a reload).
    const session = (await orch.store.findLiveSessionByCode(started.code))!;
    const report = await serverCall(orch, session.serverId!, 'players', orch.ops.credentialFor(session.serverId!), {
      connected: ['ann'],
    });
    expect(report.statusCode).toBe(200);
    await expect.poll(() => cell.textContent(), { timeout: 10_000 }).toBe('1 taken · 1 reserved / 4');
    await context.close();
  }, 60_000);

  it('draws the last 24 hours per region as a chart, by metric, and filters it by region', async () => {
    // A server in a second region (external, busy: no start claims it), made two hours ago.
    const now = Date.now();
    await orch.store.insertServer({
      id: 'far-away-server',
      state: 'ready',
      origin: 'external',
      region: 'ams3',
      providerId: null,
      ip: '198.51.100.99',
      port: null,
      players: 2,
      createdAtMs: now - 2 * 3_600_000,
      updatedAtMs: now,
      stateChangedAtMs: now,
      readyAtMs: now - 2 * 3_600_000,
      lastHeartbeatAtMs: now,
      reason: null,
    });
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${base}/dashboard`);
    await page.fill('#token', TOKEN);
    await page.click('button[type=submit]');
    await page.waitForSelector('#live[data-state="live"]', { timeout: 10_000 });
    const day = (await page.evaluate(
      async () =>
        ((await (await fetch('/dashboard/api/snapshot')).json()) as { costs: { last24h: unknown } }).costs.last24h,
    )) as {
      regions: { region: string; servers: number[] }[];
    };
    const regions = day.regions.map((r) => r.region).sort();
    expect(regions).toEqual(['ams3', 'local']);
    // One line per region, sessions first; the servers alive now show in the running hour.
    const lines = page.locator('#day-chart svg polyline');
    await expect.poll(() => lines.count()).toBe(regions.length);
    expect((await lines.evaluateAll((ls) => ls.map((l) => l.getAttribute('data-region')))).sort()).toEqual(regions);
    await page.click('[data-metric="servers"]');
    expect(await page.getAttribute('[data-metric="servers"]', 'aria-pressed')).toBe('true');
    expect(await page.getAttribute('svg[role="img"]', 'aria-label')).toContain('Servers');
    // The running hour's point sits above the zero line where servers are alive (SVG y grows down).
    const ys = await lines
      .first()
      .evaluate((l) => (l.getAttribute('points') ?? '').split(' ').map((p: string) => Number(p.split(',')[1])));
    const alive = day.regions.find((r) => r.region === regions[0])!.servers.at(-1)!;
    expect(alive).toBeGreaterThan(0);
    expect(ys.at(-1)).toBeLessThan(ys[0]);
    // The filter lists every region and narrows the chart to one.
    const options = await page
      .locator('#region-filter option')
      .evaluateAll((os) => os.map((o) => o.getAttribute('value') ?? ''));
    expect(options).toEqual(['', ...regions]);
    await page.selectOption('#region-filter', 'ams3');
    await expect.poll(() => lines.count()).toBe(1);
    expect(await lines.first().getAttribute('data-region')).toBe('ams3');
    // The tables follow the filter: only that region's server, with its region shown.
    const rows = page.locator('#servers tbody tr');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().getAttribute('data-server')).toBe('far-away-server');
    expect(await rows.first().locator('td[data-label="Region"]').textContent()).toBe('ams3');
    await page.selectOption('#region-filter', '');
    await expect
      .poll(() => rows.count())
      .toBe((await orch.store.listServers(['ready', 'allocated', 'creating', 'starting'])).length);
    await page.selectOption('#region-filter', 'ams3');
    await page.screenshot({ path: path.join(SHOTS, 'day-chart.png'), fullPage: true });
    await context.close();
  }, 60_000);

  it('shows the sign-in form to a visitor without the cookie, and never the data', async () => {
    const r = await fetch(`${base}/dashboard`);
    expect(r.status).toBe(200);
    const html = await r.text();
    expect(html).toContain('name="token"');
    expect(html).not.toContain('id="servers"');
    expect(r.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect((await fetch(`${base}/dashboard/api/snapshot`)).status).toBe(401);
    const login = await fetch(`${base}/dashboard/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      body: `token=${TOKEN}`,
      redirect: 'manual',
    });
    expect(login.status).toBe(403);
    expect(login.headers.get('set-cookie')).toBeNull();
  });
});

describe('dashboard sign-in with hostile input', () => {
  it('answers a malformed Origin, a wrong type and an oversized form with a 4xx, never a 5xx', async () => {
    const post = (headers: Record<string, string>, body: string) =>
      fetch(`${base}/dashboard/login`, { method: 'POST', headers, body, redirect: 'manual' });
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    expect((await post({ ...form, origin: 'http://[bad' }, `token=${TOKEN}`)).status).toBe(403);
    expect((await post({ ...form, origin: 'null' }, `token=${TOKEN}`)).status).toBe(403);
    expect((await post(form, `token=${'x'.repeat(5000)}`)).status).toBe(413);
    expect((await post(form, 'token=%E0%A4%A')).status).toBe(401);
    expect((await post({ 'content-type': 'application/json' }, '{"token": 5}')).status).toBe(401);
    const ok = await post(form, `token=${TOKEN}`);
    expect(ok.status).toBe(303);
    expect(ok.headers.get('set-cookie')).toMatch(
      /^go_dashboard=\d+\.\d+\.[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/,
    );
  });
});
