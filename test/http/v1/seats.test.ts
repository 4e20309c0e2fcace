import { afterEach, describe, expect, it } from 'vitest';
import { seatTokenKey, signSeatToken, verifySeatToken } from '../../../src/domain/seat-token.js';
import type { Orchestrator } from '../../../src/orchestrator.js';
import { FakeClock } from '../../../src/util/clock.js';
import { TEST_KEY, testOrchestrator } from '../../helpers/orchestrator.js';
import { admin, ADMIN, readyServer, serverCall, startV1 } from './v1-helpers.js';

let orch: Orchestrator;
afterEach(async () => orch?.close());

const join = (code: string, body?: object) =>
  orch.app.inject({ method: 'POST', url: `/v1/sessions/${code}/join`, ...(body ? { payload: body } : {}) });

/** An orchestrator on a fake clock with one active session of `max` seats on an external server. */
async function fullSetup(max: number, env: Record<string, string> = {}) {
  // Now, on a whole second, so a token's expiry (seconds) is the seat's deadline; signed calls
  // carry the real time, so the skew allows for the clock's steps.
  const clock = new FakeClock(Math.floor(Date.now() / 1000) * 1000);
  const skew = { INTERNAL_HMAC_MAX_SKEW_SECONDS: '86400' };
  orch = await testOrchestrator(
    { SEAT_TTL_S: '30', RECONNECT_GRACE_S: '60', ADMIN_TOKEN: ADMIN, ...skew, ...env },
    { clock },
  );
  const srv = await readyServer(orch, '198.51.100.9');
  const code = (await startV1(orch, { max_players: max })).json().code as string;
  return { clock, srv, code };
}

const kinds = async () =>
  (await orch.store.listEvents(0, 1000)).map((e) => e.kind).filter((k) => k.startsWith('seat.'));

describe('POST /v1/sessions/{code}/join: seats', () => {
  it('reserves a seat per join with a token the server can check offline; 409 session_full past max_players', async () => {
    const { clock, code } = await fullSetup(2);
    const a = await join(code, { player_id: 'alice' });
    expect(a.statusCode).toBe(200);
    expect(a.json()).toMatchObject({ code, state: 'active', seat: { player_id: 'alice', again: false } });
    const b = await join(code);
    expect(b.json().seat.player_id).toMatch(/^p_/);
    const full = await join(code, { player_id: 'carol' });
    expect(full.statusCode).toBe(409);
    expect(full.json().error.code).toBe('session_full');
    // An external server signs with the shared key: its seat tokens derive from that.
    const check = verifySeatToken(TEST_KEY, a.json().seat.token, { nowS: clock.now() / 1000, session: code });
    expect(check).toEqual({
      ok: true,
      claims: { session: code, player: 'alice', expiresAtS: clock.now() / 1000 + 30 },
    });
    expect(verifySeatToken(TEST_KEY, a.json().seat.token, { nowS: clock.now() / 1000, session: 'OTHER1' })).toEqual({
      ok: false,
      reason: 'wrong_session',
    });
    expect(seatTokenKey(TEST_KEY)).toHaveLength(32);
    expect(await kinds()).toEqual(['seat.reserved', 'seat.reserved']);
  });

  it('a seat not taken up within SEAT_TTL_S is freed: by a join that finds the session full, and by the sweep', async () => {
    const { clock, code } = await fullSetup(1);
    expect((await join(code, { player_id: 'slow' })).statusCode).toBe(200);
    clock.advance(29_999);
    expect((await join(code, { player_id: 'next' })).statusCode).toBe(409);
    clock.advance(1);
    expect((await join(code, { player_id: 'next' })).json().seat.player_id).toBe('next');
    clock.advance(30_000);
    expect(await orch.sessions.seats.sweep()).toBe(1);
    expect(await kinds()).toEqual(['seat.reserved', 'seat.freed', 'seat.reserved', 'seat.freed']);
    const metrics = (await orch.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('orchestrator_seat_changes_total{change="reserved"} 2');
    expect(metrics).toContain('orchestrator_seats_freed_total{reason="not_taken_up"} 2');
    const freed = (await orch.store.listEvents(0, 1000)).filter((e) => e.kind === 'seat.freed');
    expect(freed.map((e) => e.data)).toEqual([
      { playerId: 'slow', reason: 'not_taken_up' },
      { playerId: 'next', reason: 'not_taken_up' },
    ]);
  });

  it('reconnect: a player who left keeps the seat for RECONNECT_GRACE_S, even when the session is full', async () => {
    const { clock, srv, code } = await fullSetup(2);
    await join(code, { player_id: 'p1' });
    const t2 = (await join(code, { player_id: 'p2' })).json().seat.token as string;
    const rep = await serverCall(orch, srv.id, 'players', srv.credential, { connected: ['p1', 'p2', 'ghost'] });
    expect(rep.json()).toEqual({ taken: ['p1', 'p2'], left: [], unknown: ['ghost'] });
    clock.advance(3600_000); // taken seats have no deadline
    expect(await orch.sessions.seats.sweep()).toBe(0);
    expect((await serverCall(orch, srv.id, 'players', srv.credential, { left: ['p2'] })).json().left).toEqual(['p2']);
    expect((await join(code, { player_id: 'p3' })).statusCode).toBe(409);
    clock.advance(59_000);
    // Back within the grace, by token (expired long ago, still theirs) or by id.
    const back = await join(code, { seat_token: t2 });
    expect(back.statusCode).toBe(200);
    expect(back.json().seat).toMatchObject({ player_id: 'p2', again: true });
    expect((await join(code, { player_id: 'p2' })).json().seat.again).toBe(true);
    await serverCall(orch, srv.id, 'players', srv.credential, { connected: ['p2'] });
    // (Another body than the first report's: the same signed request twice in a second is a replay.)
    const again = await serverCall(orch, srv.id, 'players', srv.credential, { left: ['p2'], connected: [] });
    expect(again.json().left).toEqual(['p2']);
    clock.advance(60_000);
    // The grace is over: the seat is freed, and the session has room for someone else.
    const late = await join(code, { player_id: 'p2' });
    expect(late.json().seat).toMatchObject({ player_id: 'p2', again: false });
    expect((await join(code, { player_id: 'p4' })).statusCode).toBe(409);
    expect(await kinds()).toContain('seat.left');
  });

  it('after the grace a player is refused when someone else took the seat', async () => {
    const { clock, srv, code } = await fullSetup(1);
    await join(code, { player_id: 'p1' });
    await serverCall(orch, srv.id, 'players', srv.credential, { connected: ['p1'] });
    await serverCall(orch, srv.id, 'players', srv.credential, { left: ['p1'] });
    clock.advance(60_000);
    expect((await join(code, { player_id: 'other' })).statusCode).toBe(200);
    const refused = await join(code, { player_id: 'p1' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('session_full');
  });

  it('a heartbeat with player_ids reports players: listed seats taken, a taken seat no longer listed left for the grace; without it nothing changes', async () => {
    const { clock, srv, code } = await fullSetup(2);
    await join(code, { player_id: 'p1' });
    await join(code, { player_id: 'p2' });
    const beat = (body: object) => serverCall(orch, srv.id, 'heartbeat', srv.credential, body);
    const both = await beat({ players: 2, player_ids: ['p1', 'p2', 'stranger'] });
    expect(both.statusCode).toBe(200);
    expect(both.json().seats).toEqual({ taken: ['p1', 'p2'], left: [], unknown: ['stranger'] });
    expect(both.json().session.code).toBe(code);
    const states = async () =>
      (await orch.app.inject({ method: 'GET', url: `/v1/sessions/${code}/players`, headers: admin }))
        .json()
        .seats.map((s: { player_id: string; state: string }) => `${s.player_id}:${s.state}`);
    expect(await states()).toEqual(['p1:taken', 'p2:taken']);
    // An old heartbeat (a count only) leaves seats as they are.
    const old = await beat({ players: 1 });
    expect(old.json().seats).toBeUndefined();
    expect(await states()).toEqual(['p1:taken', 'p2:taken']);
    // p2 is no longer listed: left, held for the grace; the session stays full for others.
    expect((await beat({ players: 1, player_ids: ['p1'] })).json().seats).toEqual({
      taken: [],
      left: ['p2'],
      unknown: [],
    });
    expect(await states()).toEqual(['p1:taken', 'p2:left']);
    expect((await join(code, { player_id: 'p3' })).statusCode).toBe(409);
    clock.advance(59_000);
    expect((await join(code, { player_id: 'p2' })).json().seat).toMatchObject({ player_id: 'p2', again: true });
    expect((await beat({ players: 2, player_ids: ['p1', 'p2'] })).json().seats.taken).toEqual(['p2']);
    expect(await kinds()).toEqual([
      'seat.reserved',
      'seat.reserved',
      'seat.taken',
      'seat.taken',
      'seat.left',
      'seat.reserved',
      'seat.taken',
    ]);
  });

  it('refuses a forged or another session’s seat token with 400, and a bad player id', async () => {
    const { clock, code } = await fullSetup(4);
    const forged = signSeatToken('not-the-key', { session: code, player: 'x', expiresAtS: clock.now() / 1000 + 60 });
    expect((await join(code, { seat_token: forged })).statusCode).toBe(400);
    const other = signSeatToken(TEST_KEY, { session: 'ZZZZZZ', player: 'x', expiresAtS: clock.now() / 1000 + 60 });
    expect((await join(code, { seat_token: other })).statusCode).toBe(400);
    expect((await join(code, { player_id: 'has space' })).statusCode).toBe(400);
    expect(await kinds()).toEqual([]);
  });

  it('GET /v1/sessions/{code}/players lists the seats (operators)', async () => {
    const { code } = await fullSetup(3);
    await join(code, { player_id: 'p1' });
    expect((await orch.app.inject({ method: 'GET', url: `/v1/sessions/${code}/players` })).statusCode).toBe(401);
    const r = await orch.app.inject({ method: 'GET', url: `/v1/sessions/${code}/players`, headers: admin });
    expect(r.statusCode).toBe(200);
    expect(r.json().seats).toMatchObject([{ player_id: 'p1', state: 'reserved', taken_at: null }]);
    expect(r.json().session.code).toBe(code);
  });
});
