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
import type { PlacementReason, PlacementRequest } from '../domain/placement.js';
import { regionCap } from '../domain/region.js';
import type { RegionPlacement } from './placement-offers.js';
import type { SessionSnapshot } from './find-session.js';

/** Where a start goes: its region, why (null: the original routes' default), and whether to claim there. */
interface Where {
  region: string;
  reason: PlacementReason | null;
  warm: boolean;
}

export interface StartSessionOptions {
  idempotencyTtlS: number;
  /** MAX_SERVERS in force now (the account's limit and a refusal hold lower it). */
  maxServers: () => number;
  /** The fleet's regions and placement (issue 23); absent: every start in the default region. */
  placement?: RegionPlacement;
}

export interface StartRequest {
  idempotencyKey?: string;
  /** /v1's max_players and metadata. */
  details?: SessionDetails;
  /** Who holds the session (a per-holder cap, issue 21). */
  holder?: Holder;
  /** Public: listed under this mode with these attributes (issue 24); absent: private. */
  lobby?: Lobby;
  /**
   * /v1's placement (issue 23): a region, or latencies (and a cap), placed by
   * domain/placement.ts; `{}` is the default region, recorded as such. Absent (the original
   * routes): the default region, unchanged.
   */
  placement?: PlacementRequest;
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

  /**
   * /v1's start: claims or queues without waiting. Returns the session's id, and the answer
   * (the session with its details and server) when the start statement returned every row of
   * it: a warm start's RETURNING, so its 201 needs no read after it.
   */
  async start(req: StartRequest = {}): Promise<{ sessionId: string; answer: SessionSnapshot | null }> {
    const { session, created, existing, server } = await this.claimOrQueue(req, false);
    if (existing && keyUse(session) === 'ended') throw keyEndedError(session);
    this.launch(created, !existing && session.state === SessionState.Pending);
    const { maxPlayers = null, metadata = null } = req.details ?? {};
    const warm = !existing && session.state === SessionState.Active && server !== null && !req.lobby;
    return { sessionId: session.id, answer: warm ? { session: { ...session, maxPlayers, metadata }, server } : null };
  }

  /**
   * A start inside the caller's transaction (a quick join's, which holds its mode's lock):
   * claims a ready server or queues a pending session, no key, no holder. With a placement
   * request it is placed as a /v1 start is (placeIn; a refusal throws); without one it claims a
   * ready server of any region. The caller calls launched(…) after its commit.
   */
  async startIn(
    tx: Tx,
    details: SessionDetails,
    placement?: PlacementRequest,
  ): Promise<{ session: Session; created: Server[] }> {
    const now = this.deps.clock.now();
    const where = placement ? await this.placeIn(tx, placement, now) : undefined;
    const server = !where
      ? await this.deps.ops.claimReadyServer(tx)
      : where.warm
        ? await this.deps.ops.claimReadyServer(tx, where.region)
        : null;
    const session = await this.insertWithFreshCode(tx, server, now, false, where);
    await tx.setSessionDetails(session.id, details);
    if (!server) await keepForReplacement(tx, session.id, placement);
    const created = server ? [] : await this.reserveForPending(tx, session.region);
    return { session, created };
  }

  /** After startIn's commit: launches what it made. */
  launched(pending: boolean, created: Server[]): void {
    this.launch(created, pending);
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
  private async claimOrQueue(
    { idempotencyKey: key, details, holder, lobby, placement }: StartRequest,
    leased: boolean,
  ) {
    const { store, clock, ops } = this.deps;
    const now = clock.now();
    // A warm start with nothing else to decide (no cap, not listed, a key not seen before) is
    // one statement where the store runs one (PostgreSQL: one round trip, not a transaction's 5-7).
    // Placed without a choice only (the default region): a start naming a region or latencies
    // is placed in the transaction (issue 23), never on the default region's ready server.
    const plain = this.plainPlacement(placement);
    if (!lobby && !(holder && holder.cap > 0) && plain !== undefined) {
      const fresh = () => ({ id: timeOrderedId(now), code: generateShareCode() });
      const idempotencyKey = key ? { key, expiresAtMs: now + this.opts.idempotencyTtlS * 1000 } : undefined;
      const warm = await ops.startOnReadyServer({
        region: ops.defaultRegion,
        details,
        fresh,
        idempotencyKey,
        placement: plain,
      });
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
      // The original routes start in the default region; /v1 where placement says (a refusal throws).
      const placed = await this.placeIn(tx, placement, now);
      let server = placed.warm ? await ops.claimReadyServer(tx, placed.region) : null;
      // The fair queue: a client already holding a server leaves a ready one to a client that
      // holds fewer and waits (it queues behind instead).
      if (server && held && held.active > 0 && (await ops.assignOldestPending(tx, server.id, held.active)))
        server = null;
      const session = await this.insertWithFreshCode(tx, server, now, leased, placed);
      if (!server) await keepForReplacement(tx, session.id, placement);
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
      const created = server ? [] : await this.reserveForPending(tx, placed.region);
      return { session, server, created, existing: false };
    });
    // A refusal rolled the claim and the new session back.
    if (out instanceof Rollback) throw out.reason;
    return out;
  }

  /** placeIn's reason when it places in the default region without reading anything; undefined: it must read. */
  private plainPlacement(req: PlacementRequest | undefined): PlacementReason | null | undefined {
    if (!req || !this.opts.placement) return null;
    return req.region === undefined && req.latencies === undefined ? 'default_region' : undefined;
  }

  /** Where a start goes: the default region (the original routes), else where placement says. */
  private async placeIn(tx: Tx, req: PlacementRequest | undefined, now: number): Promise<Where> {
    const { placement } = this.opts;
    const region = this.deps.ops.defaultRegion;
    if (!req || !placement) return { region, reason: null, warm: true };
    // A /v1 start naming neither: the default region, queued there at its cap as before.
    if (req.region === undefined && req.latencies === undefined)
      return { region, reason: 'default_region', warm: true };
    return placement.place(tx, req, now);
  }

  private async insertWithFreshCode(
    tx: Tx,
    server: Server | null,
    now: number,
    leased: boolean,
    where?: Where,
  ): Promise<Session> {
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
        region: server?.region ?? where?.region ?? ops.defaultRegion,
        placement: where?.reason ?? null,
        owner: server || !leased ? null : ops.instanceId,
        leaseUntilMs: server || !leased ? null : now + ops.leaseMs,
      };
      if (await ops.insertSession(tx, session)) return session;
    }
    throw new OrchestratorError('internal', 'Could not find a free share code');
  }

  /**
   * Servers to make in `region` so every pending session there has one on its way, within its
   * cap (REGION_MAX_SERVERS) and MAX_SERVERS (counted, not listed).
   */
  private async reserveForPending(tx: Tx, region: string): Promise<Server[]> {
    await tx.lockCapacity();
    const now = this.deps.clock.now();
    const counts = await tx.countByRegion(now);
    let machines = 0;
    for (const c of counts.values()) machines += c.machines;
    const here = counts.get(region) ?? { pending: 0, onTheWay: 0, machines: 0 };
    const max = await this.maxServersNow(tx);
    const regions = this.opts.placement?.regions;
    const regionRoom = regions ? regionCap(regions, region, max) - here.machines : Infinity;
    const n = Math.max(0, Math.min(here.pending - here.onTheWay, max - machines, regionRoom));
    return n > 0 ? this.deps.ops.reserve(tx, n, region) : [];
  }

  /** MAX_SERVERS, or the lower cap an operator set at run time (kept in the store). */
  private async maxServersNow(tx: Tx): Promise<number> {
    const configured = { poolMinReady: 0, poolBuffer: 0, maxServers: this.opts.maxServers() };
    return (await effectivePoolSettings(tx, configured)).maxServers;
  }
}

/**
 * A pending session placed by its players' latencies keeps the request on its row: if its
 * region's provider then refuses creates, any replica re-places it by the same rule
 * (replace-pending.ts). A request naming a region, or none, is never re-placed.
 */
async function keepForReplacement(tx: Tx, sessionId: string, req: PlacementRequest | undefined): Promise<void> {
  if (req?.latencies !== undefined && req.region === undefined) await tx.setPlacementRequest(sessionId, req);
}
