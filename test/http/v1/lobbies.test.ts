import { afterEach, describe, expect, it } from 'vitest';
import { verifySeatToken } from '../../../src/domain/seat-token.js';
import type { Orchestrator } from '../../../src/orchestrator.js';
import { dialectEnv, DIALECTS } from '../../helpers/databases.js';
import { TEST_KEY, testOrchestrator } from '../../helpers/orchestrator.js';
import { readyServer, startV1 } from './v1-helpers.js';

let orch: Orchestrator | undefined;
let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await orch?.close();
  await cleanup?.();
  orch = undefined;
  cleanup = undefined;
});

for (const dialect of DIALECTS) {
  describe(`public lobbies and quick join (${dialect})`, () => {
    /** No servers can be made (MAX_SERVERS=0): sessions a quick join starts stay pending. */
    async function setup(env: Record<string, string> = {}): Promise<Orchestrator> {
      const d = await dialectEnv(dialect);
      cleanup = d.cleanup;
      orch = await testOrchestrator({ ...d.env, MAX_SERVERS: '0', LOBBY_LIST_LIMIT_PER_MIN: '0', ...env });
      return orch;
    }
    const lobbies = (o: Orchestrator, query = '') => o.app.inject({ method: 'GET', url: `/v1/lobbies${query}` });
    const quickJoin = (o: Orchestrator, body: object) =>
      o.app.inject({ method: 'POST', url: '/v1/quick-join', payload: body });
    const join = (o: Orchestrator, code: string, body: object = {}) =>
      o.app.inject({ method: 'POST', url: `/v1/sessions/${code}/join`, payload: body });

    it('bad lobby input at a start is a 400 and starts nothing', async () => {
      const o = await setup();
      for (const body of [
        { public: true, max_players: 4 }, // no mode
        { public: true, mode: 'duel' }, // no max_players
        { mode: 'duel', max_players: 4 }, // mode without public
        { public: true, mode: 'duel', max_players: 4, attributes: { Map: 'x' } }, // bad name
        { public: true, mode: 'bad mode', max_players: 4 },
        { public: true, mode: 'duel', max_players: 4, attributes: { map: 'x'.repeat(65) } },
        {
          public: true,
          mode: 'duel',
          max_players: 4,
          attributes: Object.fromEntries([...'abcdefghi'].map((c) => [c, c])),
        },
        { public: true, mode: 'duel', max_players: 4, attributes: { map: 3 } },
      ]) {
        const r = await startV1(o, body);
        expect(r.statusCode, JSON.stringify(body)).toBe(400);
        expect(r.json().error.code).toBe('invalid_input');
      }
      expect(await o.store.countSessions(['pending', 'active', 'ended'])).toBe(0);
      for (const q of ['?region=nyc1', '?mode=bad%20mode', '?limit=0', '?cursor=nope', '?attr.Bad=1']) {
        expect((await lobbies(o, q)).statusCode, q).toBe(400);
      }
    });

    it('lists public active sessions with a free seat only: never private, full or ended; by mode and attributes, paged', async () => {
      const o = await setup({ MAX_SERVERS: '10' });
      const codes: string[] = [];
      for (let i = 0; i < 5; i++) await readyServer(o, `198.51.100.${10 + i}`);
      const start = async (body: object) => (await startV1(o, body)).json().code as string;
      codes.push(await start({ max_players: 2 })); // private
      const pub = (mode: string, attributes: Record<string, string>) =>
        start({ public: true, mode, max_players: 2, attributes });
      const a = await pub('duel', { map: 'harbour' });
      const b = await pub('duel', { map: 'dunes' });
      const c = await pub('coop', {});
      const full = await pub('duel', { map: 'harbour' });
      expect((await join(o, full)).statusCode).toBe(200);
      expect((await join(o, full)).statusCode).toBe(200);
      const listed = async (q: string) => (await lobbies(o, q)).json().items.map((i: { code: string }) => i.code);
      expect(await listed('')).toEqual([a, b, c]);
      expect(await listed('?mode=duel')).toEqual([a, b]);
      expect(await listed('?mode=duel&attr.map=harbour')).toEqual([a]);
      expect(await listed('?attr.map=nowhere')).toEqual([]);
      const first = (await lobbies(o, '?limit=2')).json();
      expect(first.items.map((i: { code: string }) => i.code)).toEqual([a, b]);
      expect(first.items[0]).toMatchObject({
        mode: 'duel',
        attributes: { map: 'harbour' },
        players: 0,
        max_players: 2,
        free_seats: 2,
      });
      const second = (await lobbies(o, `?limit=2&cursor=${first.next_cursor as string}`)).json();
      expect(second).toEqual({ items: [expect.objectContaining({ code: c })], next_cursor: null });
      // One seat taken: still listed, with one free; the second fills it and it leaves the listing.
      expect((await join(o, a)).statusCode).toBe(200);
      expect((await lobbies(o, '?mode=duel')).json().items[0]).toMatchObject({ code: a, players: 1, free_seats: 1 });
      expect((await join(o, a)).statusCode).toBe(200);
      expect(await listed('?mode=duel')).toEqual([b]);
    });

    it('a listing is shared for LOBBY_CACHE_MS: stale by at most that for changes made elsewhere, fresh at once after a join here; quick join never gives the full session it still shows', async () => {
      const o = await setup({ MAX_SERVERS: '10', LOBBY_CACHE_MS: '400' });
      await readyServer(o, '198.51.100.30');
      await readyServer(o, '198.51.100.31');
      const pub = (await startV1(o, { public: true, mode: 'duel', max_players: 2 })).json().code as string;
      const listed = async () => (await lobbies(o, '?mode=duel')).json().items.map((i: { code: string }) => i.code);
      expect(await listed()).toEqual([pub]);
      // Another replica fills it (the store's claims, not this process's joins): the shared answer
      // still shows it, for LOBBY_CACHE_MS at most.
      const id = (await o.store.findSessionByCode(pub))!.id;
      const filledAt = Date.now();
      expect(await o.store.claimSeat(id)).toBeTruthy();
      expect(await o.store.claimSeat(id)).toBeTruthy();
      const stale = await listed();
      if (Date.now() - filledAt < 400) expect(stale).toEqual([pub]);
      // A quick join reads the store under the mode's lock, never the listing: not that session.
      const qj = await quickJoin(o, { mode: 'duel', player_id: 'q1', max_players: 2 });
      expect(qj.statusCode).toBe(200);
      expect(qj.json().code).not.toBe(pub);
      // Its seat, counted here, made the answers stale at once: the listing is read again.
      expect(await listed()).toEqual([qj.json().code]);
      // Elsewhere again (the new session filled by another replica): shown until the period is over.
      expect(await o.store.claimSeat((await o.store.findSessionByCode(qj.json().code))!.id)).toBeTruthy();
      const before = Date.now();
      const again = await listed();
      if (Date.now() - before < 400) expect(again).toEqual([qj.json().code]);
      await new Promise((r) => setTimeout(r, 450));
      expect(await listed()).toEqual([]);
    });

    it('quick join never gives a full session; it seats in the fullest one with room, and a seat comes with a token once active', async () => {
      const o = await setup({ MAX_SERVERS: '10' });
      await readyServer(o, '198.51.100.20');
      await readyServer(o, '198.51.100.21');
      const full = (await startV1(o, { public: true, mode: 'duel', max_players: 1 })).json().code as string;
      expect((await join(o, full)).statusCode).toBe(200);
      const r = await quickJoin(o, { mode: 'duel', player_id: 'qj1', max_players: 2 });
      expect(r.statusCode).toBe(200);
      const body = r.json();
      expect(body.code).not.toBe(full);
      expect(body).toMatchObject({ state: 'active', max_players: 2, seat: { player_id: 'qj1' } });
      const check = verifySeatToken(TEST_KEY, body.seat.token as string, {
        nowS: Date.now() / 1000,
        session: body.code,
      });
      expect(check).toMatchObject({ ok: true, claims: { player: 'qj1' } });
      // The next one fills that session rather than the full one or a new one.
      expect((await quickJoin(o, { mode: 'duel' })).json().code).toBe(body.code);
      expect(await o.store.countSessions(['pending', 'active'])).toBe(2);
    });

    it("a quick join that starts a session counts against its holder's cap (SESSIONS_PER_ADDRESS); one that finds a seat does not", async () => {
      const o = await setup({ SESSIONS_PER_ADDRESS: '2' });
      // A new mode each time: every one starts a session, so a stranger could hold a server per request.
      const started = [];
      for (const mode of ['a', 'b', 'c', 'd']) started.push(await quickJoin(o, { mode, max_players: 4 }));
      expect(started.map((r) => r.statusCode)).toEqual([202, 202, 429, 429]);
      expect(started[2]!.json().error.code).toBe('rate_limited');
      expect(await o.store.countSessions(['pending', 'active'])).toBe(2);
      // Joining a session that has room starts nothing: not refused by the cap.
      const more = await quickJoin(o, { mode: 'a', max_players: 4 });
      expect(more.statusCode).toBe(202);
      expect(more.json().code).toBe(started[0]!.json().code);
      expect(await o.store.countSessions(['pending', 'active'])).toBe(2);
    });

    it('50 concurrent quick joins for max_players 4 fill 13 sessions (12 full, 1 with 2), not 50', async () => {
      const o = await setup();
      const answers = await Promise.all(
        Array.from({ length: 50 }, (_, i) => quickJoin(o, { mode: 'br', player_id: `p${i}`, max_players: 4 })),
      );
      expect(answers.map((a) => a.statusCode)).toEqual(Array(50).fill(202));
      const perSession = new Map<string, number>();
      for (const a of answers) perSession.set(a.json().code, (perSession.get(a.json().code) ?? 0) + 1);
      expect([...perSession.values()].sort((x, y) => y - x)).toEqual([...Array(12).fill(4), 2]);
      expect(answers[0]?.json().seat).toMatchObject({ player_id: expect.stringMatching(/^p\d+$/), token: null });
      expect(await o.store.countSessions(['pending', 'active'])).toBe(13);
    });

    it('concurrent quick joins by latency fill sessions in the best region within the cap, not one each', async () => {
      const o = await setup({ MAX_SERVERS: '20', REGIONS: 'local-a,local-b' });
      const latencies = { 'local-a': 80, 'local-b': 20 };
      const answers = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          quickJoin(o, { mode: 'br', player_id: `p${i}`, max_players: 4, latencies, max_latency_ms: 50 }),
        ),
      );
      expect(answers.map((a) => a.statusCode)).toEqual(Array(30).fill(202));
      const perSession = new Map<string, number>();
      for (const a of answers) perSession.set(a.json().code, (perSession.get(a.json().code) ?? 0) + 1);
      expect([...perSession.values()].sort((x, y) => y - x)).toEqual([...Array(7).fill(4), 2]);
      expect(new Set(answers.map((a) => a.json().region))).toEqual(new Set(['local-b']));
      const far = await quickJoin(o, { mode: 'br', latencies, max_latency_ms: 10 });
      expect([far.statusCode, far.json().error.code]).toEqual([409, 'no_region_within_latency']);
    });
  });
}
