import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator.js';
import { freshPgSchema } from '../helpers/databases.js';
import { testOrchestrator } from '../helpers/orchestrator.js';

/**
 * Issue 21 item 10: a dashboard cookie still worked after sign-out (a signed expiry, valid for
 * 12 h whatever happened). Signing out now revokes it in the store: a copy taken before stops
 * working, on every replica and after a restart.
 */
const TOKEN = 'a-dashboard-admin-token-of-32-characters';
let orchs: Orchestrator[] = [];
let cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const o of orchs) await o.close();
  for (const c of cleanups) await c();
  orchs = [];
  cleanups = [];
});

async function orchestrator(env: Record<string, string>): Promise<Orchestrator> {
  const o = await testOrchestrator({ ADMIN_TOKEN: TOKEN, ...env });
  orchs.push(o);
  return o;
}

async function signIn(o: Orchestrator): Promise<string> {
  const r = await o.app.inject({
    method: 'POST',
    url: '/dashboard/login',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `token=${TOKEN}`,
  });
  expect(r.statusCode).toBe(303);
  const set = String(r.headers['set-cookie']);
  return set.slice(0, set.indexOf(';'));
}

/** What the cookie opens: the operator API and the dashboard's read model. */
async function opens(o: Orchestrator, cookie: string): Promise<boolean> {
  const status = await o.app.inject({ method: 'GET', url: '/v1/pool', headers: { cookie } });
  const snapshot = await o.app.inject({ method: 'GET', url: '/dashboard/api/snapshot', headers: { cookie } });
  expect(status.statusCode === 200).toBe(snapshot.statusCode === 200);
  return status.statusCode === 200;
}

function signOut(o: Orchestrator, cookie: string) {
  return o.app.inject({ method: 'POST', url: '/dashboard/logout', headers: { cookie } });
}

it('a cookie copied before sign-out no longer works after it; signing in again does', async () => {
  const o = await orchestrator({});
  const cookie = await signIn(o);
  expect(await opens(o, cookie)).toBe(true);
  expect((await signOut(o, cookie)).statusCode).toBe(303);
  expect(await opens(o, cookie)).toBe(false);
  const page = await o.app.inject({ method: 'GET', url: '/dashboard', headers: { cookie } });
  expect(page.body).toContain('name="token"');
  const again = await signIn(o);
  expect(await opens(o, again)).toBe(true);
  // A sign-out without a valid cookie (another site's form, a stranger) revokes nothing.
  expect((await signOut(o, 'go_dashboard=1.2.x')).statusCode).toBe(303);
  expect((await o.app.inject({ method: 'POST', url: '/dashboard/logout' })).statusCode).toBe(303);
  expect(await opens(o, again)).toBe(true);
});

it('the revocation outlives a restart (SQLite file)', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sign-out-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const env = { DB_PATH: path.join(dir, 'db.sqlite') };
  const first = await orchestrator(env);
  const cookie = await signIn(first);
  expect((await signOut(first, cookie)).statusCode).toBe(303);
  await first.close();
  orchs = [];
  const second = await orchestrator(env);
  expect(await opens(second, cookie)).toBe(false);
});

it('signing out on one replica revokes the cookie on the other (PostgreSQL)', async () => {
  const schema = await freshPgSchema();
  cleanups.push(schema.drop);
  const a = await orchestrator({ DATABASE_URL: schema.url });
  const b = await orchestrator({ DATABASE_URL: schema.url });
  const cookie = await signIn(a);
  expect(await opens(b, cookie)).toBe(true);
  expect((await signOut(b, cookie)).statusCode).toBe(303);
  expect(await opens(a, cookie)).toBe(false);
});
