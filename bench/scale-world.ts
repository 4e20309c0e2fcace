import { randomUUID } from 'node:crypto';
import type { Server, ServerState } from '../src/domain/server.js';
import type { Session } from '../src/domain/session.js';
import type { Store } from '../src/store/store.js';
import { ipAt } from './fixtures.js';
import type { MemoryProvider } from './memory-provider.js';

/** How the 10,000 rows of the scale world are made up, so a pass has every kind of work. */
export const SCALE_MIX = {
  /** Allocated, playing, heartbeating: the steady bulk. */
  playing: 6_700,
  /** Allocated, nobody played for longer than the idle timeout: their sessions end, servers are torn down. */
  idle: 200,
  /** Allocated but silent past the heartbeat threshold: unhealthy, sessions end, torn down. */
  silent: 100,
  /** Ready and idle: the warm pool (the target is set below this, so some are deleted as extra). */
  ready: 2_600,
  /** Creating, machine listed with an address but the row never learnt it: adopted (and made ready). */
  adopt: 200,
  /** Starting, recently made: left alone. */
  starting: 200,
  /** Machines listed that no row owns, past the orphan grace: deleted. */
  orphans: 50,
  /** Pending sessions: offered ready servers, and servers created for the rest. */
  pending: 300,
} as const;

export const SCALE_SERVERS =
  SCALE_MIX.playing + SCALE_MIX.idle + SCALE_MIX.silent + SCALE_MIX.ready + SCALE_MIX.adopt + SCALE_MIX.starting;

/**
 * Fills the store (through its own verbs, one transaction) and the provider with the scale
 * world: 10,000 servers, 10,000 sessions (live and ended). Returns share codes of active sessions.
 */
export async function fillScaleWorld(
  store: Store,
  provider: MemoryProvider,
  nowMs: number,
  o: { idleTimeoutS: number; heartbeatPeriodS: number; failureThreshold: number },
): Promise<string[]> {
  const servers: Server[] = [];
  const sessions: Session[] = [];
  const codes: string[] = [];
  let n = 0;
  const add = (state: ServerState, k: number, over: Partial<Server> = {}) => {
    for (let i = 0; i < k; i++, n++) {
      const s: Server = {
        id: randomUUID(),
        state,
        origin: 'digitalocean',
        region: 'local',
        providerId: `m-${n}`,
        ip: ipAt(100, n),
        port: null,
        players: state === 'allocated' ? 2 : 0,
        createdAtMs: nowMs - 600_000 + n,
        updatedAtMs: nowMs,
        stateChangedAtMs: nowMs - 5000,
        readyAtMs: nowMs - 500_000 + n,
        lastHeartbeatAtMs: nowMs - 1000,
        reason: null,
        ...over,
      };
      servers.push(s);
      provider.add({
        providerId: s.providerId ?? `m-${n}`,
        serverId: s.id,
        status: 'active',
        ip: s.ip ?? ipAt(100, n),
        port: null,
        createdAtMs: s.createdAtMs,
        region: null,
      });
    }
  };
  add('allocated', SCALE_MIX.playing);
  add('allocated', SCALE_MIX.idle, { players: 0 });
  add('allocated', SCALE_MIX.silent, {
    lastHeartbeatAtMs: nowMs - (o.failureThreshold + 1) * o.heartbeatPeriodS * 1000,
  });
  add('ready', SCALE_MIX.ready);
  add('creating', SCALE_MIX.adopt, {
    providerId: null,
    ip: null,
    createdAtMs: nowMs - 20_000,
    readyAtMs: null,
    lastHeartbeatAtMs: null,
  });
  add('starting', SCALE_MIX.starting, { createdAtMs: nowMs - 5_000, readyAtMs: null, lastHeartbeatAtMs: null });
  for (let i = 0; i < SCALE_MIX.orphans; i++, n++) {
    provider.add({
      providerId: `m-${n}`,
      serverId: randomUUID(),
      status: 'active',
      ip: ipAt(100, n),
      port: null,
      createdAtMs: nowMs - 3_600_000,
      region: null,
    });
  }
  const allocated = SCALE_MIX.playing + SCALE_MIX.idle + SCALE_MIX.silent;
  for (let i = 0; i < 10_000; i++) {
    const onServer = i < allocated;
    const pending = !onServer && i < allocated + SCALE_MIX.pending;
    const idle = i >= SCALE_MIX.playing && i < SCALE_MIX.playing + SCALE_MIX.idle;
    const code = `S${i.toString(36).toUpperCase().padStart(5, '0')}`;
    if (onServer && codes.length < 100) codes.push(code);
    sessions.push({
      id: randomUUID(),
      code,
      state: onServer ? 'active' : pending ? 'pending' : 'ended',
      serverId: onServer ? servers[i]!.id : null,
      createdAtMs: nowMs - (pending ? 1_000 : 900_000) + i,
      activatedAtMs: onServer ? nowMs - 800_000 : null,
      endedAtMs: onServer || pending ? null : nowMs - 10_000,
      endReason: onServer || pending ? null : 'server_ended',
      lastPlayedAtMs: idle ? nowMs - (o.idleTimeoutS + 60) * 1000 : onServer ? nowMs - 1000 : null,
      coldStart: pending,
      region: 'local',
      placement: null,
    });
  }
  await store.transaction(async (tx) => {
    for (const s of servers) await tx.insertServer(s);
    for (const s of sessions) await tx.insertSession(s);
  });
  return codes;
}
