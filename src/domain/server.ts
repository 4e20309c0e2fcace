/**
 * Server lifecycle (names after Agones; stored and shown as lower-case strings).
 *
 * creating → starting → ready → allocated → shutdown → deleted
 * unhealthy and error lead to shutdown. Terminal states never go back.
 */
export const ServerState = {
  /** Row written, provider asked to make the machine (it may not exist yet). */
  Creating: 'creating',
  /** Machine exists (has an address), game not heard from yet. */
  Starting: 'starting',
  /** Heartbeating and unallocated: the warm pool. */
  Ready: 'ready',
  /** Holds a session. */
  Allocated: 'allocated',
  /** Heartbeat lost or boot deadline passed; will be shut down. */
  Unhealthy: 'unhealthy',
  /** Provider failure while creating; will be shut down. */
  Error: 'error',
  /** Machine being deleted; the provider has not confirmed yet. */
  Shutdown: 'shutdown',
  /** Provider confirmed the machine is gone; the row stays as history. */
  Deleted: 'deleted',
} as const;
export type ServerState = (typeof ServerState)[keyof typeof ServerState];

export const SERVER_STATES: readonly ServerState[] = Object.values(ServerState);

/** States from which a server can only be torn down. */
export const TERMINAL_SERVER_STATES: ReadonlySet<ServerState> = new Set([
  ServerState.Unhealthy,
  ServerState.Error,
  ServerState.Shutdown,
  ServerState.Deleted,
]);

/** States whose machine may exist and costs money (everything but deleted). */
export const LIVE_SERVER_STATES: readonly ServerState[] = SERVER_STATES.filter((s) => s !== ServerState.Deleted);

/** States in which a server can be found by address and talks to us. */
export const ACTIVE_SERVER_STATES: readonly ServerState[] = [
  ServerState.Creating,
  ServerState.Starting,
  ServerState.Ready,
  ServerState.Allocated,
];

/** Allowed transitions, as data. Anything not listed is refused. */
export const SERVER_TRANSITIONS: Readonly<Record<ServerState, readonly ServerState[]>> = {
  creating: ['starting', 'ready', 'allocated', 'error', 'unhealthy', 'shutdown', 'deleted'],
  starting: ['ready', 'allocated', 'unhealthy', 'error', 'shutdown', 'deleted'],
  ready: ['allocated', 'unhealthy', 'shutdown', 'deleted'],
  allocated: ['ready', 'unhealthy', 'shutdown', 'deleted'],
  unhealthy: ['shutdown', 'deleted'],
  error: ['shutdown', 'deleted'],
  shutdown: ['deleted'],
  deleted: [],
};

export function canTransitionServer(from: ServerState, to: ServerState): boolean {
  return SERVER_TRANSITIONS[from].includes(to);
}

export function isTerminalServerState(s: ServerState): boolean {
  return TERMINAL_SERVER_STATES.has(s);
}

/** Before ready: the machine is on its way and will join the pool. */
export function isBeforeReady(s: ServerState): boolean {
  return s === ServerState.Creating || s === ServerState.Starting;
}

/**
 * Where a server came from: the name of the provider that made it, or 'external' for a
 * studio's own server registered by a signed heartbeat. The domain names no provider.
 */
export type ServerOrigin = string;
export const EXTERNAL_ORIGIN = 'external';

/** One row of the servers table, as the core sees it. Times are epoch milliseconds. */
export interface Server {
  id: string;
  state: ServerState;
  origin: ServerOrigin;
  /** The region it runs in (one of REGIONS; an external server is counted in the default region). */
  region: string;
  /** Provider's id for the machine (droplet id, local pid key); null until known. */
  providerId: string | null;
  /** Address game clients connect to (the original's droplet_ip); null until known. */
  ip: string | null;
  /** Game port, when the provider knows it (local provider); null otherwise. */
  port: number | null;
  players: number;
  createdAtMs: number;
  updatedAtMs: number;
  stateChangedAtMs: number;
  readyAtMs: number | null;
  lastHeartbeatAtMs: number | null;
  /** Why the server is in error/unhealthy/shutdown, for operators. */
  reason: string | null;
  /** The size its machine was asked for (a size slug, a server type); null or absent: not known. */
  size?: string | null;
  /** The process that is creating it (while `creating`), and until when that claim holds. */
  owner?: string | null;
  leaseUntilMs?: number | null;
}

/**
 * A creating row whose creator is gone: its lease ran out before the provider's answer was
 * recorded. Such a row is not "on the way" any more; the reconciler adopts its machine by
 * name or deletes the row.
 */
export function isCreateAbandoned(s: Pick<Server, 'state' | 'providerId' | 'leaseUntilMs'>, nowMs: number): boolean {
  return s.state === ServerState.Creating && s.providerId === null && s.leaseUntilMs != null && s.leaseUntilMs <= nowMs;
}

/** A new row in `creating`, leased to the process that will ask the provider for its machine. */
export function creatingServer(r: {
  id: string;
  origin: ServerOrigin;
  region: string;
  nowMs: number;
  owner: string;
  leaseUntilMs: number;
  size: string | null;
}): Server {
  const { nowMs, ...rest } = r;
  return {
    ...rest,
    state: ServerState.Creating,
    providerId: null,
    ip: null,
    port: null,
    players: 0,
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
    stateChangedAtMs: nowMs,
    readyAtMs: null,
    lastHeartbeatAtMs: null,
    reason: null,
  };
}
