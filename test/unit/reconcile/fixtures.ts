import type { Server } from '../../../src/domain/server.js';
import type { Session } from '../../../src/domain/session.js';
import type { Machine } from '../../../src/providers/provider.js';
import type { Plan, PlanInput, ReconcileSettings } from '../../../src/reconcile/index.js';

export const NOW = 1_700_000_000_000;
export const S = 1000;

export function settings(o: Partial<ReconcileSettings> = {}): ReconcileSettings {
  return {
    readiness: 'heartbeat',
    startTimeoutS: 60,
    bootTimeoutS: 600,
    heartbeatPeriodS: 30,
    heartbeatFailureThreshold: 3,
    outageSilentFraction: 0.5,
    sessionIdleTimeoutS: 300,
    sessionMaxLifetimeS: 6 * 3600,
    recycleServers: false,
    poolMinReady: 0,
    poolBuffer: 0,
    maxServers: 10,
    orphanGraceS: 120,
    teardownHandoffS: 5,
    reconcileIntervalS: 10,
    maxCreatesPerPass: 10,
    maxDeletesPerPass: 20,
    ...o,
  };
}

let ipSeq = 0;

/**
 * A healthy server of ours in use (allocated, one player), one minute old, heartbeating:
 * neither the pool nor the health rules touch it unless a case says otherwise.
 */
export function server(id: string, o: Partial<Server> = {}): Server {
  return {
    id,
    state: 'allocated',
    origin: 'digitalocean',
    region: 'local',
    providerId: `p-${id}`,
    ip: `10.0.${Math.floor(++ipSeq / 250)}.${ipSeq % 250}`,
    port: null,
    players: 1,
    createdAtMs: NOW - 60 * S,
    updatedAtMs: NOW - 5 * S,
    stateChangedAtMs: NOW - 50 * S,
    readyAtMs: NOW - 50 * S,
    lastHeartbeatAtMs: NOW - 5 * S,
    reason: null,
    ...o,
  };
}

/** The machine a row names (same provider id, server id and address). */
export function machineOf(s: Server, o: Partial<Machine> = {}): Machine {
  return {
    providerId: s.providerId ?? `p-${s.id}`,
    serverId: s.id,
    status: 'active',
    ip: s.ip,
    port: s.port,
    createdAtMs: s.createdAtMs,
    region: null,
    ...o,
  };
}

export function machine(providerId: string, o: Partial<Machine> = {}): Machine {
  return {
    providerId,
    serverId: null,
    status: 'active',
    ip: null,
    port: null,
    createdAtMs: NOW - 600 * S,
    region: null,
    ...o,
  };
}

/** An active session on a server, played a few seconds ago. */
export function session(id: string, o: Partial<Session> = {}): Session {
  const state = o.state ?? 'active';
  return {
    id,
    code: id.toUpperCase().padEnd(6, 'X').slice(0, 6),
    state,
    serverId: null,
    createdAtMs: NOW - 30 * S,
    activatedAtMs: state === 'active' ? NOW - 30 * S : null,
    endedAtMs: null,
    endReason: null,
    lastPlayedAtMs: state === 'active' ? NOW - 5 * S : null,
    coldStart: false,
    region: 'local',
    placement: null,
    ...o,
  };
}

/** An input where every row that has a provider id is listed, unless machines are given. */
export function input(o: Partial<PlanInput> & { servers?: Server[] } = {}): PlanInput {
  const servers = o.servers ?? [];
  const machines =
    o.machines === undefined
      ? servers.filter((s) => s.origin !== 'external' && s.providerId && s.state !== 'deleted').map((s) => machineOf(s))
      : o.machines;
  return {
    nowMs: o.nowMs ?? NOW,
    provider: o.provider ?? 'digitalocean',
    machines,
    servers,
    sessions: o.sessions ?? [],
    settings: o.settings ?? settings(),
  };
}

/** A plan as plain ids, for table comparisons. */
export interface PlanSummary {
  adopt: string[];
  promote: string[];
  markLost: string[];
  lookup: string[];
  bootTimeout: string[];
  heartbeatLost: string[];
  endSession: string[];
  shutdown: string[];
  deleteIdle: string[];
  offer: string[];
  create: number;
  teardown: string[];
  deleteOrphan: string[];
  partial: boolean;
  outage: boolean;
}

const EMPTY: PlanSummary = {
  adopt: [],
  promote: [],
  markLost: [],
  lookup: [],
  bootTimeout: [],
  heartbeatLost: [],
  endSession: [],
  shutdown: [],
  deleteIdle: [],
  offer: [],
  create: 0,
  teardown: [],
  deleteOrphan: [],
  partial: false,
  outage: false,
};

export function summarize(p: Plan): PlanSummary {
  const ids = (xs: { serverId: string }[]) => xs.map((x) => x.serverId).sort();
  return {
    adopt: ids(p.adopt),
    promote: [...p.promote].sort(),
    markLost: ids(p.markLost),
    lookup: ids(p.lookup),
    bootTimeout: ids(p.bootTimeout),
    heartbeatLost: ids(p.heartbeatLost),
    endSession: p.endSession.map((e) => `${e.sessionId}:${e.reason}`).sort(),
    shutdown: ids(p.shutdown),
    deleteIdle: ids(p.deleteIdle),
    offer: [...p.offer].sort(),
    create: p.create,
    teardown: p.teardown.map((s) => s.id).sort(),
    deleteOrphan: p.deleteOrphan.map((m) => m.providerId).sort(),
    partial: p.partial,
    outage: p.outage !== null,
  };
}

/** The expected summary: every kind not named must be empty. */
export function expected(o: Partial<PlanSummary>): PlanSummary {
  return { ...EMPTY, ...o };
}
