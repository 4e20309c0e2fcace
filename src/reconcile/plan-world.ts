import { ServerState, type Server } from '../domain/server.js';
import { SessionState, type EndReason, type Session } from '../domain/session.js';
import { ROWS_PER_STEP, runToEnd, type Steps } from './steps.js';
import type { PlanInput } from './types.js';

/**
 * computePlan's scratch copy of the store: each planning step writes the state its action
 * will leave behind, so the next step plans on top of it (a server found silent is shut down
 * and torn down in the same pass; a recycled server counts in the pool). The input is never
 * mutated: rows are held as given and replaced by new objects when a step changes them
 * (copy on write), so building the world costs no copies of 10,000 rows.
 */
export class PlanWorld {
  private readonly servers = new Map<string, Server>();
  private readonly sessions = new Map<string, Session>();
  /** serverId → id of its live session. */
  private readonly sessionOnServer = new Map<string, string>();
  /** Row and session ids oldest first, sorted once (nothing is added while planning). */
  private order: string[] = [];
  private sessionOrder: string[] = [];

  /** The world of `input`; without one, an empty world for fill() to fill step by step. */
  constructor(input?: Pick<PlanInput, 'servers' | 'sessions'>) {
    if (input) runToEnd(this.fill(input));
  }

  /** Loads the snapshot, yielding every ROWS_PER_STEP rows (see computePlanYielding). */
  *fill(input: Pick<PlanInput, 'servers' | 'sessions'>): Steps<void> {
    let n = 0;
    for (const s of input.servers) {
      if (s.state !== ServerState.Deleted) this.servers.set(s.id, s);
      if (++n % ROWS_PER_STEP === 0) yield;
    }
    for (const s of input.sessions) {
      if (s.state !== SessionState.Ended) {
        this.sessions.set(s.id, s);
        if (s.serverId) this.sessionOnServer.set(s.serverId, s.id);
      }
      if (++n % ROWS_PER_STEP === 0) yield;
    }
    this.order = oldestFirst([...this.servers.values()]);
    this.allCache = null;
    yield;
    this.sessionOrder = oldestFirst([...this.sessions.values()]);
  }

  /** The row as planned so far; deleted rows are gone. */
  server(id: string): Server | null {
    return this.servers.get(id) ?? null;
  }

  /** allServers() until the next change: several steps in a row read the whole world. */
  private allCache: Server[] | null = null;

  /** Rows not deleted, in a stable order (oldest first). A fresh array each call. */
  allServers(): Server[] {
    if (!this.allCache) {
      const out: Server[] = [];
      for (const id of this.order) {
        const s = this.servers.get(id);
        if (s) out.push(s);
      }
      this.allCache = out;
    }
    return [...this.allCache];
  }

  serversIn(...states: ServerState[]): Server[] {
    return this.allServers().filter((s) => states.includes(s.state));
  }

  /** Rows this plan moved to another state (their stateChangedAtMs is the snapshot's). */
  private readonly moved = new Set<string>();

  /** Whether a planning step moved the row out of the state the snapshot had it in. */
  movedInPlan(id: string): boolean {
    return this.moved.has(id);
  }

  /** Moves a row to `state` with `patch`; deleted rows leave the world. */
  setServer(id: string, state: ServerState, patch: Partial<Server> = {}): void {
    const s = this.servers.get(id);
    if (!s) return;
    this.allCache = null;
    if (state !== s.state) this.moved.add(id);
    if (state === ServerState.Deleted) this.servers.delete(id);
    else this.servers.set(id, { ...s, ...patch, state });
  }

  /**
   * Takes a row and its live session out of this pass: nothing else is planned for a row
   * whose machine is being looked up by id (it must not be offered, promoted or counted in
   * the pool on the strength of a machine the listing does not show).
   */
  hold(id: string): void {
    if (!this.servers.delete(id)) return;
    this.allCache = null;
    const sessionId = this.sessionOnServer.get(id);
    if (sessionId === undefined) return;
    this.sessionOnServer.delete(id);
    this.sessions.delete(sessionId);
  }

  /** Pending and active sessions, oldest first. */
  liveSessions(): Session[] {
    const out: Session[] = [];
    for (const id of this.sessionOrder) {
      const s = this.sessions.get(id);
      if (s) out.push(s);
    }
    return out;
  }

  liveSessionOn(serverId: string): Session | null {
    const id = this.sessionOnServer.get(serverId);
    return (id && this.sessions.get(id)) || null;
  }

  endSession(id: string, _reason: EndReason): void {
    const s = this.sessions.get(id);
    if (!s) return;
    this.sessions.delete(id);
    if (s.serverId && this.sessionOnServer.get(s.serverId) === id) this.sessionOnServer.delete(s.serverId);
  }

  /** A pending session gets this server (what offerToPending does). */
  assign(sessionId: string, serverId: string): void {
    const s = this.sessions.get(sessionId);
    if (!s) return;
    this.sessions.set(sessionId, { ...s, state: SessionState.Active, serverId });
    this.sessionOnServer.set(serverId, sessionId);
    this.setServer(serverId, ServerState.Allocated);
  }
}

/** Ids oldest first; the store lists in that order already, so the sort is usually skipped. */
function oldestFirst(rows: { createdAtMs: number; id: string }[]): string[] {
  let sorted = true;
  for (let i = 1; i < rows.length && sorted; i++) sorted = byAge(rows[i - 1]!, rows[i]!) <= 0;
  if (!sorted) rows.sort(byAge);
  return rows.map((r) => r.id);
}

/** Oldest first; ties by id (plain comparison: localeCompare is slow over 10,000 rows). */
function byAge(a: { createdAtMs: number; id: string }, b: { createdAtMs: number; id: string }): number {
  return a.createdAtMs - b.createdAtMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
