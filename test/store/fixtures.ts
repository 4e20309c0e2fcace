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
    region: 'local',
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

/**
 * A pending session with a code of its own unless overridden. The code comes from a counter:
 * random 6-character codes collided now and then (1 in ~3,000 runs of a 100-session test), and
 * insertSession() answers a live-code collision by inserting nothing, so a test that set up 100
 * pending sessions sometimes had 99.
 */
export function makeSession(over: Partial<Session> = {}): Session {
  return {
    id: randomUUID(),
    code: nextCode(),
    state: 'pending',
    serverId: null,
    createdAtMs: T0,
    activatedAtMs: null,
    endedAtMs: null,
    endReason: null,
    lastPlayedAtMs: null,
    coldStart: false,
    region: 'local',
    placement: null,
    owner: null,
    leaseUntilMs: null,
    ...over,
  };
}

let codeCounter = 0;
/** Distinct 6-character codes, so fixtures never collide on the live-code index. */
export function nextCode(): string {
  codeCounter++;
  return codeCounter.toString(36).toUpperCase().padStart(6, '0');
}

let ipCounter = 0;
/** Distinct addresses, so fixtures never collide on the one-live-server-per-ip index. */
export function nextIp(): string {
  ipCounter++;
  return `10.${(ipCounter >> 16) & 255}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
}
