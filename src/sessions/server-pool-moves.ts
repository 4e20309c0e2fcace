import { EXTERNAL_ORIGIN, ServerState, type Server } from '../domain/server.js';
import { markSessionPlayed } from '../fleet/server-reports.js';
import { assertUsableServerAddress } from '../guard/server-address.js';
import type { Tx } from '../store/store.js';
import { timeOrderedId } from '../util/ids.js';
import type { SessionDeps } from './session-deps.js';

/** What a recorded heartbeat of a ready or allocated server moves on: the idle clock, an external server's pool state. */
export async function afterHeartbeat(
  deps: Pick<SessionDeps, 'ops'>,
  tx: Tx,
  updated: Server,
  players: number,
  now: number,
): Promise<Server> {
  if (updated.state === ServerState.Allocated && players > 0) await markSessionPlayed(tx, updated.id, now);
  if (updated.origin === EXTERNAL_ORIGIN) return followPlayers(deps, tx, updated, now);
  return updated;
}

/** The original's way for a studio's own server to join the pool: a signed heartbeat. */
export async function registerExternal(
  deps: Pick<SessionDeps, 'ops'>,
  tx: Tx,
  ip: string,
  players: number,
  now: number,
  loopbackServers: boolean,
): Promise<Server> {
  assertUsableServerAddress(ip, loopbackServers);
  const row: Server = {
    id: timeOrderedId(now),
    state: players > 0 ? ServerState.Allocated : ServerState.Ready,
    origin: EXTERNAL_ORIGIN,
    region: deps.ops.defaultRegion,
    providerId: null,
    ip,
    port: null,
    players,
    createdAtMs: now,
    updatedAtMs: now,
    stateChangedAtMs: now,
    readyAtMs: now,
    lastHeartbeatAtMs: now,
    reason: null,
  };
  await deps.ops.insertServer(tx, row);
  return row.state === ServerState.Ready ? deps.ops.offerToPending(tx, row) : row;
}

/** External servers without a session are busy while they report players, free when empty. */
async function followPlayers(deps: Pick<SessionDeps, 'ops'>, tx: Tx, s: Server, now: number): Promise<Server> {
  const toggles =
    (s.state === ServerState.Ready && s.players > 0) || (s.state === ServerState.Allocated && s.players === 0);
  if (!toggles || (await tx.findLiveSessionByServer(s.id))) return s;
  if (s.state === ServerState.Ready)
    return (await deps.ops.move(tx, s.id, [ServerState.Ready], ServerState.Allocated)) ?? s;
  const r = await deps.ops.move(tx, s.id, [ServerState.Allocated], ServerState.Ready, { readyAtMs: now });
  return r ? deps.ops.offerToPending(tx, r) : s;
}
