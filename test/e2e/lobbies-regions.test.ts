import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionsClient } from '../../packages/client/client.mjs';
import { freePort, REPO_ROOT, startService, type RunningService } from '../helpers/processes.js';

/**
 * Lobbies and quick join by region (issue 24 with issue 23's regions): `serve` with the local
 * provider and two named regions (local-a: 127.0.0.x, local-b: 127.0.1.x), the sample game
 * server, real HTTP. A listing is filtered and ordered by the caller's latency; a quick join
 * seats a party where its worst player is best off, starts a session in the best region when
 * none there has room, and never goes beyond max_latency_ms.
 */
describe('e2e: lobbies and quick join over two local regions', () => {
  let dir: string;
  let svc: RunningService;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'orch-e2e-lobby-regions-'));
    const sample = path.join(REPO_ROOT, 'examples/game-server/server.mjs');
    svc = await startService(['serve'], {
      DB_PATH: path.join(dir, 'orchestrator.db'),
      GAME_SERVER_COMMAND: `env ORCHESTRATOR_API=v1 ${process.execPath} ${sample}`,
      LOCAL_GAME_PORT: String(await freePort()),
      LOCAL_HEARTBEAT_INTERVAL_MS: '300',
      LOCAL_EMPTY_SHUTDOWN_MS: '120000',
      LOCAL_STOP_GRACE_MS: '2000',
      REGIONS: 'local-a,local-b',
      MAX_SERVERS: '4',
      START_TIMEOUT_S: '30',
      RECONCILE_INTERVAL_S: '0.3',
      START_RATE_LIMIT_PER_MIN: '0',
      SESSIONS_PER_ADDRESS: '0',
      JOIN_FAIL_LIMIT_PER_MIN: '0',
      LOBBY_LIST_LIMIT_PER_MIN: '0',
      LOBBY_CACHE_MS: '0',
      LOG_LEVEL: 'warn',
    });
  });
  afterAll(async () => {
    if (svc && svc.proc.exitCode === null) {
      svc.proc.kill('SIGTERM');
      await new Promise((r) => svc.proc.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  type Answer = Record<string, unknown> & { code: string; region: string; error?: { code: string } };
  const post = async (url: string, body: object) => {
    const r = await fetch(`${svc.url}${url}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: r.status, body: (await r.json()) as Answer };
  };
  async function activeSession(body: object): Promise<string> {
    const { body: s } = await post('/v1/sessions', body);
    let state = s.state;
    while (state === 'pending')
      state = ((await (await fetch(`${svc.url}/v1/sessions/${s.code}?wait=20`)).json()) as { state: string }).state;
    expect(state).toBe('active');
    return s.code;
  }
  const listing = async (query: string) => {
    const r = await fetch(`${svc.url}/v1/lobbies?${query}`);
    return { status: r.status, body: (await r.json()) as { items: Answer[]; error?: { code: string } } };
  };

  it('lists by latency, seats a party where its worst player is best off, starts in the best region, never beyond the cap', async () => {
    const a = await activeSession({ public: true, mode: 'duel', max_players: 2, region: 'local-a' });
    const b = await activeSession({ public: true, mode: 'duel', max_players: 3, region: 'local-b' });

    // The listing: regions within the cap only, the caller's best first, with its latency.
    const both = await listing('mode=duel&latencies=local-a:80,local-b:20&max_latency_ms=100');
    expect(both.status).toBe(200);
    expect(both.body.items.map((i) => [i.code, i.region, i.latency_ms])).toEqual([
      [b, 'local-b', 20],
      [a, 'local-a', 80],
    ]);
    const near = await listing('mode=duel&latencies=local-a:80,local-b:20&max_latency_ms=50');
    expect(near.body.items.map((i) => i.code)).toEqual([b]);
    // A party (one player's pairs after another, separated by ;): the worst player's latency counts, so local-a first.
    const party = await listing('mode=duel&latencies=local-a:30,local-b:10;local-a:35,local-b:90');
    expect(party.body.items.map((i) => [i.code, i.latency_ms])).toEqual([
      [a, 35],
      [b, 90],
    ]);
    // The client SDK asks the same with the same options as start().
    const client = new SessionsClient({ url: svc.url });
    const page = await client.lobbies({ mode: 'duel', latencies: { 'local-a': 80, 'local-b': 20 }, maxLatencyMs: 50 });
    expect(page.items.map((i) => i.code)).toEqual([b]);
    expect(await listing('mode=duel&region=local-a')).toMatchObject({ body: { items: [{ code: a }] } });

    // A party of two whose worst player reaches local-b best (a: 55, b: 40): both seated in b's
    // session, though a's has room too.
    const partyLatencies = [
      { 'local-a': 12, 'local-b': 40 },
      { 'local-a': 55, 'local-b': 20 },
    ];
    for (const player of ['p1', 'p2']) {
      const qj = await post('/v1/quick-join', { mode: 'duel', player_id: player, latencies: partyLatencies });
      expect([qj.status, qj.body.code, qj.body.region]).toEqual([200, b, 'local-b']);
    }
    const viaSdk = await client.quickJoin({ mode: 'duel', playerId: 'p3', region: 'local-a' });
    expect(viaSdk).toMatchObject({ code: a, region: 'local-a' });

    // local-b's lobby full; local-a's has room but is beyond the cap: a new session in local-b
    // (not the default region, local-a), on a local-b server.
    expect((await post(`/v1/sessions/${b}/join`, { player_id: 'p4' })).status).toBe(200);
    const started = await post('/v1/quick-join', {
      mode: 'duel',
      player_id: 'p5',
      max_players: 2,
      latencies: { 'local-a': 90, 'local-b': 10 },
      max_latency_ms: 50,
    });
    expect([started.status, started.body.region, started.body.placement]).toEqual([
      202,
      'local-b',
      'nearest_cold_start',
    ]);
    expect([a, b]).not.toContain(started.body.code);
    let address: string | null = null;
    while (address === null)
      address = (
        (await (await fetch(`${svc.url}/v1/sessions/${started.body.code}?wait=20`)).json()) as {
          address: string | null;
        }
      ).address;
    expect(address).toMatch(/^127\.0\.1\.\d+$/);

    // Nothing within the cap: a clear 409, for the listing and for quick join; nothing started.
    const far = { 'local-a': 300, 'local-b': 400 };
    const refused = await post('/v1/quick-join', {
      mode: 'duel',
      player_id: 'p6',
      latencies: far,
      max_latency_ms: 100,
    });
    expect([refused.status, refused.body.error?.code]).toEqual([409, 'no_region_within_latency']);
    const farList = await listing('mode=duel&latencies=local-a:300,local-b:400&max_latency_ms=100');
    expect([farList.status, farList.body.error?.code]).toEqual([409, 'no_region_within_latency']);
    const unknown = await post('/v1/quick-join', { mode: 'duel', region: 'mars-1' });
    expect([unknown.status, unknown.body.error?.code]).toEqual([400, 'unknown_region']);
    const sessions = (await (await fetch(`${svc.url}/metrics`)).text()).match(/^orchestrator_sessions\{.*$/gm);
    expect(sessions).toEqual(['orchestrator_sessions{state="pending"} 0', 'orchestrator_sessions{state="active"} 3']);

    // /metrics: quick joins by outcome and region, refusals by reason; listings by cache.
    const text = await (await fetch(`${svc.url}/metrics`)).text();
    const count = (labels: string) =>
      Number(new RegExp(`^orchestrator_quick_joins_total\\{${labels}\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    expect(count('outcome="seated",region="local-b",reason=""')).toBe(2);
    expect(count('outcome="seated",region="local-a",reason=""')).toBe(1);
    expect(count('outcome="started",region="local-b",reason=""')).toBe(1);
    expect(count('outcome="refused",region="",reason="no_region_within_latency"')).toBe(1);
    expect(count('outcome="refused",region="",reason="unknown_region"')).toBe(1);
    expect(text).toMatch(/^orchestrator_lobby_listings_total\{cache="miss"\} [1-9]/m);
  }, 120_000);
});
