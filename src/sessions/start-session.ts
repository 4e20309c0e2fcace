import { OrchestratorError } from '../domain/errors.js';
import type { Server } from '../domain/server.js';
import { SessionState, type Session } from '../domain/session.js';
import type { Lobby } from '../domain/lobby.js';
import { generateShareCode } from '../domain/share-code.js';
import { Rollback, rollBack, type Tx } from '../store/store.js';
import type { SessionDetails } from '../store/v1-types.js';
import { checkHolderCap, type Holder } from '../guard/session-caps.js';
import { timeOrderedId } from '../util/ids.js';
import { keyEndedError, keyUse } from './idempotency.js';
import { effectivePoolSettings } from './pool-settings.js';
import type { SessionDeps } from './session-deps.js';
import type { StartResult, StartWaits } from './start-wait.js';

export interface StartSessionOptions {
  idempotencyTtlS: number;
  /** MAX_SERVERS in force now (the account's limit and a refusal hold lower it). */
  maxServers: () => number;
}

export interface StartRequest {
  idempotencyKey?: string;
  /** /v1's max_players and metadata. */
  details?: SessionDetails;
  /** Who holds the session (a per-holder cap, issue 21). */
  holder?: Holder;
  /** Public: listed under this mode with these attributes (issue 24); absent: private. */
  lobby?: Lobby;
}

/**
 * Starting a session, for both APIs: one transaction claims a ready server (an active
 * session) or queues a pending one plus the servers it needs. The original's start then
 * waits (StartWaits); /v1's returns at once and its client polls. The Idempotency-Key rule is
 * sessions/idempotency.ts's.
 */
export class StartSession {
  constructor(
    private readonly deps: SessionDeps,
    private readonly waits: StartWaits,
    private readonly opts: StartSessionOptions,
  ) {}

  /** The original's start: a ready server at once, or waits (bounded) for one made for it. */
  async startAndWait(req: StartRequest = {}): Promise<StartResult> {
    this.waits.assertOpen();
    const { session, server, created, existing } = await this.claimOrQueue(req, true);
    if (existing && keyUse(session) === 'ended') throw keyEndedError(session);
    if (!existing && session.state === SessionState.Active && server)
      return { session, server, reused: !session.coldStart };
    this.launch(created, !existing);
    return this.waits.awaitSession(session.id);
  }

  /** /v1's start: claims or queues and returns the session's id without waiting. */
  async start(req: StartRequest = {}): Promise<string> {
    const { session, created, existing } = await this.claimOrQueue(req, false);
    if (existing && keyUse(session) === 'ended') throw keyEndedError(session);
    this.launch(created, !existing && session.state === SessionState.Pending);
    return session.id;
  }

  /**
   * A start inside the caller's transaction (a quick join's, which holds its mode's lock):
   * claims a ready server or queues a pending session, no key, no holder. The caller calls
   * launch(created, …) after its commit.
   */
  async startIn(tx: Tx, details: SessionDetails): Promise<{ session: Session; created: Server[] }> {
    const server = await this.deps.ops.claimReadyServer(tx);
    const session = await this.insertWithFreshCode(tx, server, this.deps.clock.now(), false);
    await tx.setSessionDetails(session.id, details);
    const created = server ? [] : await this.reserveForPending(tx);
    return { session, created };
  }

  /** Launches the servers made for pending sessions after commit; with none made, asks for a pass. */
  launch(created: Server[], queued: boolean): void {
    for (const s of created) void this.deps.ops.launch(s);
    if (queued && created.length === 0) this.deps.reconcileSoon();
  }

  /**
   * One transaction: a ready server → an active session; else a pending one plus the servers
   * it needs. `leased`: a request of this process waits for it (renewing the lease); a /v1
   * start returns at once, so its pending session carries no lease. A key naming a session
   * returns it (existing), unless its start failed: then a new one takes the key.
   */
  private async claimOrQueue({ idempotencyKey: key, details, holder, lobby }: StartRequest, leased: boolean) {
    const { store, clock, ops } = this.deps;
    const now = clock.now();
    // A warm start with nothing else to decide (no cap, not listed, a key not seen before) is
    // one statement where the store runs one (PostgreSQL: one round trip, not a transaction's 5-7).
    if (!lobby && !(holder && holder.cap > 0)) {
      const fresh = () => ({ id: timeOrderedId(now), code: generateShareCode() });
      const idempotencyKey = key ? { key, expiresAtMs: now + this.opts.idempotencyTtlS * 1000 } : undefined;
      const warm = await ops.startOnReadyServer({ region: ops.defaultRegion, details, fresh, idempotencyKey });
      if (warm) return { session: warm.session, server: warm.server, created: [] as Server[], existing: false };
    }
    const out = await store.transaction(async (tx) => {
      let replacing: string | null = null;
      if (key) {
        const existingId = await tx.getIdempotentSession(key, now);
        const existing = existingId ? await tx.getSession(existingId) : null;
        if (existing && keyUse(existing) !== 'retry')
          return { session: existing, server: null, created: [] as Server[], existing: true };
        // A key whose session was pruned (SESSIONS_RETENTION_S shorter than IDEMPOTENCY_TTL_S) is
        // as good as gone: the new session takes it over, as after a failed start.
        replacing = existing?.id ?? existingId;
      }
      const held = holder ? await checkHolderCap(tx, holder) : null;
      // The original routes (and /v1 until placement is wired) start in the default region.
      let server = await ops.claimReadyServer(tx, ops.defaultRegion);
      // The fair queue: a client already holding a server leaves a ready one to a client that
      // holds fewer and waits (it queues behind instead).
      if (server && held && held.active > 0 && (await ops.assignOldestPending(tx, server.id, held.active)))
        server = null;
      const session = await this.insertWithFreshCode(tx, server, now, leased);
      if (holder && held) await tx.holdSession(session.id, holder.id);
      if (details) await tx.setSessionDetails(session.id, details);
      if (lobby) await tx.setLobby(session.id, lobby);
      if (key) {
        const expiresAt = now + this.opts.idempotencyTtlS * 1000;
        const bound = replacing
          ? await tx.replaceIdempotencyKey(key, replacing, session.id, now, expiresAt)
          : (await tx.putIdempotencyKey(key, session.id, now, expiresAt)) === session.id;
        if (!bound) return rollBack(new OrchestratorError('conflict', 'Idempotency key raced; retry'));
      }
      const created = server ? [] : await this.reserveForPending(tx);
      return { session, server, created, existing: false };
    });
    // A refusal rolled the claim and the new session back.
    if (out instanceof Rollback) throw out.reason;
    return out;
  }

  private async insertWithFreshCode(tx: Tx, server: Server | null, now: number, leased: boolean): Promise<Session> {
    const { ops } = this.deps;
    for (let attempt = 0; attempt < 20; attempt++) {
      const session: Session = {
        id: timeOrderedId(now),
        code: generateShareCode(),
        state: server ? SessionState.Active : SessionState.Pending,
        serverId: server?.id ?? null,
        createdAtMs: now,
        activatedAtMs: server ? now : null,
        endedAtMs: null,
        endReason: null,
        lastPlayedAtMs: server ? now : null,
        coldStart: !server,
        region: server?.region ?? ops.defaultRegion,
        placement: null,
        owner: server || !leased ? null : ops.instanceId,
        leaseUntilMs: server || !leased ? null : now + ops.leaseMs,
      };
      if (await ops.insertSession(tx, session)) return session;
    }
    throw new OrchestratorError('internal', 'Could not find a free share code');
  }

  /** Servers to make so every pending session has one on its way, within MAX_SERVERS (counted, not listed). */
  private async reserveForPending(tx: Tx): Promise<Server[]> {
    await tx.lockCapacity();
    const now = this.deps.clock.now();
    const pending = await tx.countSessions([SessionState.Pending]);
    const onTheWay = await tx.countOnTheWay(now);
    const machines = await tx.countMachines();
    const n = Math.max(0, Math.min(pending - onTheWay, (await this.maxServersNow(tx)) - machines));
    return n > 0 ? this.deps.ops.reserve(tx, n, this.deps.ops.defaultRegion) : [];
  }

  /** MAX_SERVERS, or the lower cap an operator set at run time (kept in the store). */
  private async maxServersNow(tx: Tx): Promise<number> {
    const configured = { poolMinReady: 0, poolBuffer: 0, maxServers: this.opts.maxServers() };
    return (await effectivePoolSettings(tx, configured)).maxServers;
  }
}
