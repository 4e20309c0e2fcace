import { randomUUID } from 'node:crypto';

/** A 200 answer to a start. */
export interface StartAnswer {
  ip: string;
  code: string;
  /** "Reusing existing droplet": a ready server was claimed. */
  reused: boolean;
}

/** One client's session, from its Idempotency-Key to its end, as the client saw it. */
export interface Ticket {
  key: string;
  /** Every 200 answer to a start with this key (retries and re-sends included). */
  answers: StartAnswer[];
  startFailures: number;
  outcome: 'starting' | 'active' | 'refused';
  /** A start call (first or re-sent) is under way. */
  inStart: boolean;
  /** Kept to the end of the test (never ended by the driver). */
  keep: boolean;
  endState: 'none' | 'ending' | 'ended';
  endFailures: number;
  /** The end found its session already ended after an attempt died: the end had committed before a kill. */
  endFoundDone: boolean;
  /** Serialises this server's signed calls, so no heartbeat lands after its end. */
  busy: Promise<void>;
  heartbeats: number;
}

export function newTicket(): Ticket {
  return {
    key: randomUUID(),
    answers: [],
    startFailures: 0,
    outcome: 'starting',
    inStart: false,
    keep: false,
    endState: 'none',
    endFailures: 0,
    endFoundDone: false,
    busy: Promise.resolve(),
    heartbeats: 0,
  };
}
