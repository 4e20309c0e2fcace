/** Delivery state of one webhook URL, as kept in the database. Times are epoch ms. */
export interface WebhookTargetState {
  id: string;
  /** The URL without its query or credentials (it may carry a secret): what operators see. */
  urlHint: string;
  /** The last event id settled (delivered, skipped by the filter, or dead-lettered). */
  cursor: number;
  /** Failed attempts at the event after the cursor so far. */
  attempts: number;
  /** No attempt before this (backoff). */
  nextAttemptAtMs: number;
  delivered: number;
  failedAttempts: number;
  dead: number;
  lastStatus: number | null;
  lastError: string | null;
  lastAttemptAtMs: number | null;
  lastSuccessAtMs: number | null;
}

/** An event that was not delivered after its last attempt. */
export interface DeadLetter {
  id: number;
  targetId: string;
  eventId: number;
  kind: string;
  deadAtMs: number;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  /** The exact body that was sent. */
  body: string;
}

export interface AttemptFailure {
  nowMs: number;
  status: number | null;
  error: string;
}

/**
 * The webhook ledger port: per-URL cursors, retry state and dead letters, shared by replicas.
 * Every write after `claim` is conditional on still owning the URL, so a replica whose lease
 * ran out cannot move a cursor another replica now owns (it gets false and stops).
 */
export interface WebhookLedger {
  /** Creates the URL's row at `startCursor` unless it exists. */
  ensureTarget(id: string, urlHint: string, startCursor: number): Promise<void>;
  /** Takes or renews the URL's lease; its state, or null while another owner holds it. */
  claim(id: string, owner: string, nowMs: number, untilMs: number): Promise<WebhookTargetState | null>;
  /** The event at `eventId` was delivered: the cursor moves to it and retry state resets. */
  delivered(id: string, owner: string, eventId: number, nowMs: number, status: number): Promise<boolean>;
  /** Events up to `eventId` are not for this URL (filtered out): move past them. */
  skipTo(id: string, owner: string, eventId: number): Promise<boolean>;
  /** An attempt failed; the next waits until nextAttemptAtMs. */
  failed(id: string, owner: string, f: AttemptFailure, nextAttemptAtMs: number): Promise<boolean>;
  /** The last attempt failed: keep the letter and move the cursor past the event, atomically. */
  deadLetter(id: string, owner: string, letter: Omit<DeadLetter, 'id' | 'targetId'>): Promise<boolean>;
  /** Gives the lease up (shutdown), so another replica takes over at once. */
  release(id: string, owner: string): Promise<void>;
  listTargets(): Promise<WebhookTargetState[]>;
  /** Newest first. */
  listDeadLetters(limit: number): Promise<DeadLetter[]>;
}
