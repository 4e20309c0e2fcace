/**
 * The outbox: every state change writes one of these in the same transaction. Consumers
 * (waking waiters, logs, webhooks, SSE, metrics) read them after commit, by cursor.
 */
export const EventKind = {
  ServerCreated: 'server.created',
  ServerStateChanged: 'server.state_changed',
  ServerDeleted: 'server.deleted',
  SessionStarted: 'session.started',
  SessionAssigned: 'session.assigned',
  SessionEnded: 'session.ended',
  OrphanAdopted: 'orphan.adopted',
  OrphanDeleted: 'orphan.deleted',
  PoolTargetsChanged: 'pool.targets_changed',
  OutageGuardOn: 'outage_guard.on',
  OutageGuardOff: 'outage_guard.off',
  LeaderChanged: 'leader.changed',
  /** A join reserved a seat (or renewed its player's seat: `again`). */
  SeatReserved: 'seat.reserved',
  /** The game server reported the seat's player connected. */
  SeatTaken: 'seat.taken',
  /** The game server reported the player's connection dropped: the seat is held for the grace. */
  SeatLeft: 'seat.left',
  /** A seat was given back: not taken up in time, or its player did not come back in the grace. */
  SeatFreed: 'seat.freed',
} as const;
export type EventKind = (typeof EventKind)[keyof typeof EventKind];

export const EVENT_KINDS: readonly EventKind[] = Object.values(EventKind);

/** A small JSON payload: what changed, and why. */
export type EventData = Record<string, string | number | boolean | null>;

/** One committed event. Ids grow monotonically in commit order. */
export interface FleetEvent {
  id: number;
  atMs: number;
  kind: EventKind;
  serverId: string | null;
  sessionId: string | null;
  data: EventData;
}

/** An event recorded inside a transaction, before it has an id. */
export type NewEvent = Omit<FleetEvent, 'id'>;
