import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedHeaders } from '../helpers/sign.js';
import { REPO_ROOT, startService, type RunningService } from '../helpers/processes.js';

const TOKEN = 'cli-admin-token';
const KEY = 'cli-shared-key';

/** Runs the real `game-orchestrator` binary; resolves with its exit code and output. */
function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(REPO_ROOT, 'bin/game-orchestrator.js'), ...args],
      {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'silent', ...env },
        timeout: 60_000,
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, out: stdout, err: stderr }),
    );
  });
}

describe('CLI: operator commands against a running orchestrator', { timeout: 90_000 }, () => {
  let dir: string;
  let svc: RunningService;
  let codes: string[];
  let serverId: string;
  const admin = () => ({ ADMIN_TOKEN: TOKEN });
  const url = () => ['--url', svc.url];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'orch-cli-'));
    svc = await startService(['serve'], {
      DB_PATH: path.join(dir, 'o.db'),
      ADMIN_TOKEN: TOKEN,
      INTERNAL_HMAC_KEY: KEY,
      MAX_SERVERS: '0', // no machines: the two starts after the first stay pending
      RECONCILE_INTERVAL_S: '3600',
      START_TIMEOUT_S: '600',
      LOG_LEVEL: 'warn',
    });
    // One external server (a signed heartbeat), taken by the first start; two more starts wait.
    const body = JSON.stringify({ droplet_ip: '198.51.100.77', connected_clients: 0 });
    const hb = await fetch(`${svc.url}/server/heartbeat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signedHeaders(KEY, 'POST', '/server/heartbeat', body) },
      body,
    });
    expect(hb.status).toBe(200);
    codes = [];
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`${svc.url}/v1/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ max_players: 4 }),
      });
      codes.push(((await r.json()) as { code: string }).code);
    }
    const servers = (await (
      await fetch(`${svc.url}/v1/servers?origin=external`, { headers: { authorization: `Bearer ${TOKEN}` } })
    ).json()) as { items: { id: string }[] };
    serverId = servers.items[0]!.id;
  }, 60_000);
  afterAll(async () => {
    if (svc.proc.exitCode === null) svc.proc.kill('SIGTERM');
    await svc.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  it('sessions ls: an aligned table for people, --json for scripts, --all follows the cursor', async () => {
    // Independent invocations run side by side: each is a whole process start.
    const [r, json, page, all] = await Promise.all([
      cli(['sessions', 'ls', ...url()], admin()),
      cli(['sessions', 'ls', '--json', '--state', 'pending', ...url()], admin()),
      cli(['sessions', 'ls', '--json', '--limit', '1', ...url()], admin()),
      cli(['sessions', 'ls', '--json', '--limit', '1', '--all', ...url()], admin()),
    ]);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^CODE\s+STATE\s+ADDRESS\s+PLAYERS\s+MAX\s+CREATED/);
    expect(lines).toHaveLength(4);
    const stateColumn = lines[0]!.indexOf('STATE');
    for (const l of lines.slice(1)) expect(l.slice(stateColumn)).toMatch(/^(active|pending)\s/); // aligned under its header
    for (const c of codes) expect(r.out).toContain(c);

    expect(json.code).toBe(0);
    const pending = JSON.parse(json.out) as { code: string; state: string }[];
    expect(pending.map((s) => s.state)).toEqual(['pending', 'pending']);

    expect(JSON.parse(page.out)).toHaveLength(1);
    expect(page.err).toMatch(/--cursor/);
    expect((JSON.parse(all.out) as { code: string }[]).map((s) => s.code).sort()).toEqual([...codes].sort());
  });

  it('sessions show and end; exit 4 for an unknown code, 1 for a refusal', async () => {
    const [show, missing] = await Promise.all([
      cli(['sessions', 'show', codes[0]!, ...url()], admin()),
      cli(['sessions', 'show', 'ZZZZZZ', ...url()], admin()),
    ]);
    expect(show.code).toBe(0);
    expect(show.out).toMatch(new RegExp(`code\\s+${codes[0]}`));
    expect(show.out).toMatch(/address\s+198\.51\.100\.77/);
    const end = await cli(['sessions', 'end', codes[2]!, '--json', ...url()], admin());
    expect(end.code).toBe(0);
    expect(JSON.parse(end.out)).toMatchObject({ code: codes[2], state: 'ended', end_reason: 'cancelled' });
    const again = await cli(['sessions', 'end', codes[2]!, ...url()], admin());
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/session_ended/);
    expect(missing.code).toBe(4);
  });

  it('sessions players: the seats a join reserved; exit 4 for an unknown code', async () => {
    const joined = await fetch(`${svc.url}/v1/sessions/${codes[0]}/join`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ player_id: 'cli-player' }),
    });
    expect(joined.status).toBe(200);
    const [players, missing] = await Promise.all([
      cli(['sessions', 'players', codes[0]!, ...url()], admin()),
      cli(['sessions', 'players', 'ZZZZZZ', ...url()], admin()),
    ]);
    expect(players.code).toBe(0);
    expect(players.out).toMatch(/^PLAYER\s+SEAT\s+RESERVED/);
    expect(players.out).toMatch(/cli-player\s+reserved/);
    expect(missing.code).toBe(4);
  });

  it('servers ls, drain (refused while busy) and delete', async () => {
    const ls = await cli(['servers', 'ls', ...url()], admin());
    expect(ls.code).toBe(0);
    expect(ls.out).toMatch(/^ID\s+STATE\s+ORIGIN/);
    expect(ls.out).toContain(serverId);
    const drain = await cli(['servers', 'drain', serverId, ...url()], admin());
    expect(drain.code).toBe(1);
    expect(drain.err).toMatch(/server_busy/);
    const del = await cli(['servers', 'delete', serverId, '--json', ...url()], admin());
    expect(del.code).toBe(0);
    expect(JSON.parse(del.out)).toMatchObject({ id: serverId, state: 'deleted' });
  });

  it('pool show and set; a value past MAX_SERVERS is refused', async () => {
    const set = await cli(['pool', 'set', '--buffer', '1', '--max-servers', '0', '--json', ...url()], admin());
    expect(set.code).toBe(0);
    expect(JSON.parse(set.out)).toEqual({
      region: 'local',
      min_ready: 0,
      buffer: 1,
      max_servers: 0,
      max_servers_cap: 0,
      region_max_servers: 0,
      region_max_servers_cap: 0,
    });
    const show = await cli(['pool', 'show', ...url()], admin());
    expect(show.out).toMatch(/buffer\s+1/);
    const tooMany = await cli(['pool', 'set', '--max-servers', '1', ...url()], admin());
    expect(tooMany.code).toBe(1);
    expect(tooMany.err).toMatch(/MAX_SERVERS/);
  });

  it('events tail: the outbox in order, one line each, --json, --after resumes, pages are followed', async () => {
    const [r, json, page] = await Promise.all([
      cli(['events', 'tail', ...url()], admin()),
      cli(['events', 'tail', '--json', ...url()], admin()),
      cli(['events', 'tail', '--json', '--limit', '2', '--after', '1', ...url()], admin()),
    ]);
    expect(r.code).toBe(0);
    // The external server's registration, then the three starts (one active, two pending).
    expect(r.out).toMatch(/server\.created[\s\S]*session\.started[\s\S]*session\.started[\s\S]*session\.started/);
    for (const c of codes) expect(r.out).toContain(`code=${c}`);
    expect(r.err).toMatch(/next cursor: --after \d+/);
    const events = JSON.parse(
      `[${json.out
        .trim()
        .split(/\n(?=\{)/)
        .join(',')}]`,
    ) as { id: number; kind: string }[];
    expect(events.map((e) => e.id)).toEqual([...events.map((e) => e.id)].sort((a, b) => a - b));
    expect(events.filter((e) => e.kind === 'session.started')).toHaveLength(3);
    // --after 1 with pages of 2: everything but the first event, in order, across pages.
    const rest = JSON.parse(
      `[${page.out
        .trim()
        .split(/\n(?=\{)/)
        .join(',')}]`,
    ) as { id: number }[];
    expect(rest.map((e) => e.id)).toEqual(events.slice(1).map((e) => e.id));
    expect((await cli(['events', 'tail', '--limit', '5000', ...url()], admin())).code).toBe(2);
  });

  it('exit codes scripts can trust: 1 bad token, 2 usage, 3 unreachable', async () => {
    const [bad, unknown, notANumber, badFlag, down] = await Promise.all([
      cli(['sessions', 'ls', ...url()], { ADMIN_TOKEN: 'wrong' }),
      cli(['sessions', 'frobnicate', ...url()], admin()),
      cli(['pool', 'set', '--buffer', 'lots', ...url()], admin()),
      cli(['sessions', 'ls', '--bogus', ...url()], admin()),
      cli(['sessions', 'ls', '--url', 'http://127.0.0.1:9'], admin()),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/unauthorized/);
    expect(bad.err).not.toContain('wrong');
    expect([unknown.code, notANumber.code, badFlag.code]).toEqual([2, 2, 2]);
    expect(down.code).toBe(3);
    expect(down.err).toMatch(/cannot reach/);
  });
});
