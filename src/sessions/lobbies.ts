import { newPlayerId } from '../domain/player-id.js';
import { OrchestratorError } from '../domain/errors.js';
import { EventKind } from '../domain/events.js';
import type { LobbyEntry } from '../domain/lobby.js';
import { checkHolderCap, type Holder } from '../guard/session-caps.js';
import { SeatState, type Seat } from '../domain/seat.js';
import { signSeatToken } from '../domain/seat-token.js';
import type { Server } from '../domain/server.js';
import { SessionState } from '../domain/session.js';
import type { LobbyQuery } from '../store/lobby-queries.js';
import type { PlacementRequest } from '../domain/placement.js';
import type { RegionPlacement } from './placement-offers.js';
import type { LobbyObserver } from './lobby-observer.js';
import { ListingCache } from './listing-cache.js';
import { Rollback, rollBack, type Tx } from '../store/store.js';
import type { Page, PageCursor } from '../store/v1-types.js';
import type { FindSession, SessionSnapshot } from './find-session.js';
import type { SeatOptions } from './seats.js';
import type { SessionDeps } from './session-deps.js';
import type { StartSession } from './start-session.js';

export interface LobbyOptions {
  /** How long a seat in a session whose server is still coming is held (LOBBY_PENDING_SEAT_S). */
  pendingSeatS: number;
  /** max_players of a session a quick join starts when the request names none. */
  defaultMaxPlayers: number;
  /** LOBBY_CACHE_MS: how long a listing's answer is shared by everyone asking the same (0: not at all). */
  cacheMs?: number;
  /** Counts listings and quick joins (/metrics). */
  observer?: LobbyObserver;
}

export interface QuickJoinRequest {
  mode: string;
  /**
   * Where (issue 23's request: a region, or latencies and a cap): sessions in the regions
   * within reach, best region first; a session it starts is placed as a /v1 start. Absent: any
   * region, and a start claims a ready server of any region.
   */
  placement?: PlacementRequest;
  playerId?: string;
  /** max_players of the session, should this quick join start one. */
  maxPlayers?: number;
  /** Whose cap a session this quick join starts counts against (SESSIONS_PER_ADDRESS / _PER_KEY), as any start's. */
  holder?: Holder;
}

/** A listing's question: LobbyQuery's filters, and where the caller is (issue 23's placement request). */
export interface LobbyListing extends Omit<LobbyQuery, 'region' | 'after'> {
  placement?: PlacementRequest;
  /** The last entry of the previous page (with its region when the listing was by region). */
  after?: PageCursor & { region?: string };
}

/** A listed lobby with the caller's latency to its region (the worst player's; null: none given). */
export type ListedLobby = LobbyEntry & { latencyMs: number | null };

/** The seat a quick join gave: its token once the session is active (null while its server is coming). */
export interface QuickSeat {
  playerId: string;
  token: string | null;
  expiresAtMs: number;
}

/** How many candidate sessions a quick join tries before it starts one (a claim lost to a join by code). */
const CANDIDATES = 4;

/**
 * Public lobbies (issue 24): listing public sessions with a free seat, and quick join, which
 * seats the player in the fullest public session of the mode with room, or starts one. The
 * decision "none has room, start one" is made under the mode's lock (Tx.lockMode; on SQLite
 * the single writer), so concurrent quick joins fill the session one of them started rather
 * than each starting its own; a pending session takes seats, so they fill before its server is up.
 */
export class Lobbies {
  constructor(
    private readonly deps: Pick<SessionDeps, 'store' | 'clock'>,
    private readonly find: FindSession,
    private readonly start: StartSession,
    private readonly seats: Pick<SeatOptions, 'ttlS' | 'serverKey'>,
    private readonly o: LobbyOptions,
    /** The fleet's regions (issue 23); absent: a quick join's placement is not asked for. */
    private readonly placement?: RegionPlacement,
  ) {}

  /** Counts listings and quick joins (the routes report them: a refusal may come before this class). */
  get observer(): LobbyObserver | undefined {
    return this.o.observer;
  }

  /** Seats counted on public sessions by this process so far: a listing answer older than one is stale. */
  private changes = 0;

  /** A join counted a seat on a public session here: cached listing answers are no longer given. */
  publicSeatsChanged(): void {
    this.changes++;
  }

  /**
   * A cache of listing answers (LOBBY_CACHE_MS), of whatever form its user keeps them in: an
   * answer is given for that long at most, and not after this process counted a seat on a
   * public session (its own joins and quick joins show at once; other replicas' within the period).
   */
  listingCache<V>(): ListingCache<V> {
    return new ListingCache<V>(this.deps.clock, this.o.cacheMs ?? 0, () => this.changes);
  }

  /**
   * A listing: without a placement request, every region's sessions, oldest first. With one
   * (a region, or latencies and a cap), only the regions within reach, best region first
   * (RegionPlacement.rank; a refusal throws), each region's oldest first; the cursor names the
   * region it stopped in.
   */
  async list(q: LobbyListing): Promise<Page<ListedLobby>> {
    const { store } = this.deps;
    if (!q.placement || !this.placement) {
      const page = await store.listLobbies(q);
      return { items: page.items.map((e) => ({ ...e, latencyMs: null })), more: page.more };
    }
    const ranked = this.placement.rank(q.placement);
    let from = 0;
    if (q.after?.region !== undefined) {
      from = ranked.findIndex((r) => r.name === q.after?.region);
      if (from < 0) throw new OrchestratorError('invalid_input', 'cursor: its region is not one this listing reaches');
    }
    const items: ListedLobby[] = [];
    for (const r of ranked.slice(from)) {
      const after = r.name === q.after?.region ? q.after : undefined;
      const page = await store.listLobbies({ ...q, region: r.name, after, limit: q.limit + 1 - items.length });
      items.push(...page.items.map((e) => ({ ...e, latencyMs: r.latencyMs })));
      if (items.length > q.limit) break;
    }
    return { items: items.slice(0, q.limit), more: items.length > q.limit };
  }

  async quickJoin(r: QuickJoinRequest): Promise<{ snap: SessionSnapshot; seat: QuickSeat; started: boolean }> {
    const { store } = this.deps;
    const playerId = r.playerId ?? newPlayerId();
    // A refusal of the request itself (unknown region, none within the cap) before any lock.
    const regions = r.placement && this.placement ? this.placement.rank(r.placement) : [undefined];
    const placement = this.placement ? r.placement : undefined;
    const out = await store.transaction(async (tx) => {
      await tx.lockMode(r.mode);
      for (const region of regions) {
        for (const id of await tx.quickJoinCandidates(r.mode, CANDIDATES, region?.name)) {
          if (await tx.claimLobbySeat(id)) return this.seat(tx, id, playerId, null);
        }
      }
      // Starting one is a start: the holder's cap applies (a stranger quick-joining a new mode
      // each time would otherwise hold a server per request), and the session is noted as theirs.
      const held = r.holder ? await checkHolderCap(tx, r.holder) : null;
      const details = { maxPlayers: r.maxPlayers ?? this.o.defaultMaxPlayers, metadata: null };
      const { session, created } = await this.start.startIn(tx, details, placement);
      if (r.holder && held) await tx.holdSession(session.id, r.holder.id);
      await tx.setLobby(session.id, { mode: r.mode, attributes: {} });
      if (!(await tx.claimLobbySeat(session.id)))
        return rollBack(new OrchestratorError('internal', 'A new public session had no seat'));
      return this.seat(tx, session.id, playerId, created);
    });
    if (out instanceof Rollback) throw out.reason;
    this.publicSeatsChanged();
    if (out.started) this.start.launched(out.pending, out.created);
    const snap = await this.find.byId(out.seat.sessionId);
    return { snap, seat: this.grant(snap, out.seat), started: out.started };
  }

  /**
   * Writes the claimed seat's row and its event; rolls back when the player already sits there.
   * `created`: the servers made for a session this quick join started (null: it found one).
   */
  private async seat(tx: Tx, sessionId: string, playerId: string, created: Server[] | null) {
    const now = this.deps.clock.now();
    const session = await tx.getSession(sessionId);
    const pending = session?.state === SessionState.Pending;
    const seat: Seat = {
      sessionId,
      playerId,
      state: SeatState.Reserved,
      reservedAtMs: now,
      takenAtMs: null,
      leftAtMs: null,
      deadlineAtMs: now + (pending ? this.o.pendingSeatS : this.seats.ttlS) * 1000,
    };
    if (!(await tx.insertSeat(seat)))
      return rollBack(
        new OrchestratorError('conflict', 'This player already holds a seat in that session; join it by code'),
      );
    tx.recordEvent({
      atMs: now,
      kind: EventKind.SeatReserved,
      serverId: session?.serverId ?? null,
      sessionId,
      data: { playerId, again: false, quickJoin: true },
    });
    return { seat, created: created ?? [], pending, started: created !== null };
  }

  /** The token, signed as a join's (domain/seat-token.ts), once the session has its server. */
  private grant({ session, server }: SessionSnapshot, seat: Seat): QuickSeat {
    const expiresAtS = Math.floor((seat.deadlineAtMs ?? 0) / 1000);
    const key = session.state === SessionState.Active && server ? this.seats.serverKey(server) : null;
    const token =
      key === null ? null : signSeatToken(key, { session: session.code, player: seat.playerId, expiresAtS });
    return { playerId: seat.playerId, token, expiresAtMs: expiresAtS * 1000 };
  }
}
