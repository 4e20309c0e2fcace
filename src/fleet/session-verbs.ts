import { EventKind } from '../domain/events.js';
import { EXTERNAL_ORIGIN, isTerminalServerState, ServerState, type Server } from '../domain/server.js';
import { EndReason, SessionState, type Session } from '../domain/session.js';
import type { ServerPatch, Store, Tx, WarmStartInput, WarmStarted } from '../store/store.js';
import type { Log } from '../util/log.js';
import { moveServer } from './transitions.js';

/*
 * Sessions and the servers they hold, in the caller's transaction: a session starts (on a
 * claimed server, or pending), a waiting session gets a server, a session ends and its server
 * is settled by one rule. ServerOps exposes these as its verbs; every change writes its event
 * in the same transaction (the outbox).
 */

/** What the session verbs read besides the transaction. */
export interface SessionVerbContext {
  log: Log;
  now(): number;
  /** Whether a healthy server whose session just ended goes back to the pool (else it is shut down). */
  keepAfterSession(server: Server, nowMs: number): boolean;
  /** A ready server not heard from within this long is never claimed (undefined: no bound). */
  claimHeardWithinMs?: number;
}

/** The checked state change (see moveServer) at the context's time. */
function move(
  tx: Tx,
  c: SessionVerbContext,
  id: string,
  from: readonly ServerState[],
  to: ServerState,
  patch: ServerPatch = {},
): Promise<Server | null> {
  return moveServer(tx, c.log, id, from, to, patch, c.now());
}

/** Narrows endSession: only from these states; only when the waiter's lease ran out by then. */
export interface EndOnly {
  from?: readonly SessionState[];
  leaseExpiredBy?: number;
}

/** What ending a session did: the session as ended, and its server as settled (or null). */
export interface Ended {
  session: Session;
  server: Server | null;
}

/** A new session (pending, or active on a claimed server) and its `session.started` event. */
export async function insertSession(tx: Tx, session: Session): Promise<boolean> {
  if (!(await tx.insertSession(session))) return false;
  tx.recordEvent({
    atMs: session.createdAtMs,
    kind: EventKind.SessionStarted,
    serverId: session.serverId,
    sessionId: session.id,
    data: {
      code: session.code,
      state: session.state,
      coldStart: session.coldStart,
      region: session.region,
      placement: session.placement,
    },
  });
  return true;
}

/** Atomically takes the longest-ready idle server (ready → allocated) of `region` (absent: any), with its event. */
export async function claimReadyServer(tx: Tx, c: SessionVerbContext, region?: string): Promise<Server | null> {
  const now = c.now();
  const within = c.claimHeardWithinMs;
  const s = await tx.claimReadyServer(now, within === undefined ? undefined : now - within, region);
  if (s) {
    tx.recordEvent({
      atMs: now,
      kind: EventKind.ServerStateChanged,
      serverId: s.id,
      sessionId: null,
      data: {
        from: ServerState.Ready,
        to: ServerState.Allocated,
        reason: 'claimed by a start',
        origin: s.origin,
        region: s.region,
        ip: s.ip,
      },
    });
  }
  return s;
}

/**
 * claimReadyServer, the active session on the server and both events in one statement, where
 * the store runs one (Store.startOnReadyServer: PostgreSQL). Null: the store has none, or no
 * server was ready (nothing written); the caller takes the transaction.
 */
export async function startOnReadyServer(
  store: Store,
  c: SessionVerbContext,
  start: Omit<WarmStartInput, 'nowMs' | 'heardSinceMs'>,
): Promise<WarmStarted | null> {
  if (!store.startOnReadyServer) return null;
  const now = c.now();
  const within = c.claimHeardWithinMs;
  return store.startOnReadyServer({
    ...start,
    nowMs: now,
    heardSinceMs: within === undefined ? undefined : now - within,
  });
}

/**
 * The first pending session in the fair queue gets this (allocated) server: its holder holds
 * the fewest servers (below `rankBelow`, when given), the oldest among equals. Null when none waits.
 */
export async function assignOldestPending(
  tx: Tx,
  c: SessionVerbContext,
  serverId: string,
  rankBelow?: number,
): Promise<Session | null> {
  const now = c.now();
  const session = await tx.assignOldestPending(serverId, now, rankBelow);
  if (session) {
    tx.recordEvent({
      atMs: now,
      kind: EventKind.SessionAssigned,
      serverId,
      sessionId: session.id,
      data: { code: session.code, waitedMs: now - session.createdAtMs },
    });
  }
  return session;
}

/** A ready idle server → the first pending session in the fair queue, if one waits. Returns the server's row. */
export async function offerToPending(tx: Tx, c: SessionVerbContext, s: Server): Promise<Server> {
  if (s.state !== ServerState.Ready || s.players > 0) return s;
  if ((await tx.countSessions([SessionState.Pending])) === 0) return s;
  const claimed = await move(tx, c, s.id, [ServerState.Ready], ServerState.Allocated, { reason: null });
  if (!claimed) return s;
  const session = await assignOldestPending(tx, c, s.id);
  if (!session) {
    // The waiter went meanwhile (another replica): put it back.
    return (await move(tx, c, s.id, [ServerState.Allocated], ServerState.Ready)) ?? s;
  }
  return claimed;
}

/**
 * The one way a session ends: pending/active → ended with its reason and event, and its
 * server settled by one rule (see settleAfterSession), in the caller's transaction. Null
 * when the session had already ended (a lost race). Tear down a server left in `shutdown`
 * after the commit (teardown()).
 */
export async function endSession(
  tx: Tx,
  c: SessionVerbContext,
  session: Pick<Session, 'id'>,
  reason: EndReason,
  only: EndOnly = {},
): Promise<Ended | null> {
  const now = c.now();
  const from = only.from ?? [SessionState.Pending, SessionState.Active];
  const ended = await tx.endSession(session.id, from, reason, now, only.leaseExpiredBy);
  if (!ended) return null;
  tx.recordEvent({
    atMs: now,
    kind: EventKind.SessionEnded,
    serverId: ended.serverId,
    sessionId: ended.id,
    data: { code: ended.code, reason },
  });
  const server = ended.serverId ? await tx.getServer(ended.serverId) : null;
  return { session: ended, server: server ? await settleAfterSession(tx, c, server, reason) : null };
}

/**
 * After its session ended, a server: stays as it is when already on its way out (terminal);
 * an external one leaves the list (deleted; its next heartbeat registers it again); one of
 * ours goes back to the pool when kept (recycling) and was healthy, or is shut down.
 */
async function settleAfterSession(tx: Tx, c: SessionVerbContext, server: Server, reason: EndReason): Promise<Server> {
  if (isTerminalServerState(server.state)) return server;
  if (server.origin === EXTERNAL_ORIGIN) {
    return (
      (await move(tx, c, server.id, [server.state], ServerState.Deleted, {
        reason: 'session ended (external server)',
      })) ?? server
    );
  }
  const healthy = reason !== EndReason.ServerLost && server.state === ServerState.Allocated;
  const keep = c.keepAfterSession(server, c.now());
  if (healthy && keep) {
    const s = await move(tx, c, server.id, [ServerState.Allocated], ServerState.Ready, {
      players: 0,
      readyAtMs: c.now(),
      reason: null,
    });
    return s ? offerToPending(tx, c, s) : server;
  }
  return (
    (await move(tx, c, server.id, [server.state], ServerState.Shutdown, {
      reason: `session ended (${reason})`,
    })) ?? server
  );
}
