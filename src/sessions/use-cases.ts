import { FindSession } from './find-session.js';
import { OperatorActions } from './operator-actions.js';
import type { PoolInForce } from './pool-settings.js';
import type { RegionPlacement } from './placement-offers.js';
import { PendingReplacer } from './replace-pending.js';
import { Lobbies, type LobbyOptions } from './lobbies.js';
import { Seats, type SeatOptions } from './seats.js';
import { ServerReports } from './server-reports.js';
import type { SessionDeps } from './session-deps.js';
import { SessionWaiter } from './session-waiter.js';
import { StartSession } from './start-session.js';
import { StartWaits, type StartWaitOptions } from './start-wait.js';

/** The session use cases both APIs map onto, one module each. */
export interface SessionUseCases {
  start: StartSession;
  /** The start wait loop (the original's start waits; a shutdown answers its waiters). */
  waits: StartWaits;
  find: FindSession;
  reports: ServerReports;
  /** Seats: a join's reservation and token, players' reports, the sweep (issue 24). */
  seats: Seats;
  /** Public lobbies and quick join (issue 24). */
  lobbies: Lobbies;
  operator: OperatorActions;
  pool: PoolInForce;
  /** Regions and placement (absent: one region, no placement). */
  placement?: RegionPlacement;
  /** Re-places (or ends) the sessions waiting in a region that refuses creates. */
  replacer?: PendingReplacer;
}

export interface SessionUseCaseOptions extends StartWaitOptions {
  idempotencyTtlS: number;
  /** SHARED_KEY_DRIVES_MANAGED (see shared-key-scope.ts). */
  sharedKeyDrivesManaged?: boolean;
  /** Whether game servers may be on loopback addresses (the local provider). */
  loopbackServers?: boolean;
  /** The pool settings and target in force (MAX_SERVERS as clamped by the account's limit). */
  pool: PoolInForce;
  /** Seats; without it (tests of other parts) no server has a seat key, so joins find no session. */
  seats?: SeatOptions;
  /** Public lobbies; without it, the defaults of LOBBY_* (src/sessions/lobby-config.ts). */
  lobbies?: LobbyOptions;
  /** Regions and placement of /v1 starts (issue 23); without it every start is in the default region. */
  placement?: RegionPlacement;
}

/** Builds the use cases in dependency order over one waiter, woken from the outbox. */
export function sessionUseCases(deps: SessionDeps, o: SessionUseCaseOptions): SessionUseCases {
  const waiter = new SessionWaiter();
  waiter.wakeFromOutbox(deps.store);
  const waits = new StartWaits(deps, waiter, o);
  const replacer = o.placement ? new PendingReplacer(deps, o.placement) : undefined;
  const start = new StartSession(deps, waits, {
    idempotencyTtlS: o.idempotencyTtlS,
    maxServers: () => o.pool.configuredMaxServers(),
    placement: o.placement,
  });
  const find = new FindSession(deps, waiter, o.startPollMs);
  const seatOptions = o.seats ?? { ttlS: 30, reconnectGraceS: 60, serverKey: () => null };
  const lobbies = new Lobbies(
    deps,
    find,
    start,
    seatOptions,
    o.lobbies ?? { pendingSeatS: 300, defaultMaxPlayers: 8 },
    o.placement,
  );
  return {
    start,
    waits,
    find,
    reports: new ServerReports(deps, o.sharedKeyDrivesManaged ?? false, o.loopbackServers ?? false),
    // A join into a public session changes what the lobby listings show: their answers go.
    seats: new Seats(deps, find, seatOptions, () => lobbies.publicSeatsChanged()),
    lobbies,
    operator: new OperatorActions(deps, find),
    pool: o.pool,
    placement: o.placement,
    replacer,
  };
}
