import { randomUUID } from 'node:crypto';
import type { Server } from '../../src/domain/server.js';
import type { Session } from '../../src/domain/session.js';

/** Base time of the store tests (epoch ms). */
export const T0 = 1_700_000_000_000;

/** A server row with test defaults (ready, idle, with an address). */
export function makeServer(over: Partial<Server> = {}): Server {
  return {
    id: randomUUID(),
    state: 'ready',
    origin: 'local',
    providerId: null,
    ip: nextIp(),
    port: null,
    players: 0,
    createdAtMs: T0,
    updatedAtMs: T0,
    stateChangedAtMs: T0,
    readyAtMs: T0,
    lastHeartbeatAtMs: T0,
    reason: null,
    owner: null,
    leaseUntilMs: null,
    ...over,
  };
}

/** A pending session with a random code unless overridden. */
export function makeSession(over: Partial<Session> = {}): Session {
  return {
    id: randomUUID(),
    code: randomUUID().replace(/-/g, '').slice(0, 6).toUpperCase(),
    state: 'pending',
    serverId: null,
    createdAtMs: T0,
    activatedAtMs: null,
    endedAtMs: null,
    endReason: null,
    lastPlayedAtMs: null,
    coldStart: false,
    owner: null,
    leaseUntilMs: null,
    ...over,
  };
}

let ipCounter = 0;
/** Distinct addresses, so fixtures never collide on the one-live-server-per-ip index. */
export function nextIp(): string {
  ipCounter++;
  return `10.${(ipCounter >> 16) & 255}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
}
