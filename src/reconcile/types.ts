import type { Config } from '../config.js';
import type { Server, ServerState } from '../domain/server.js';
import type { EndReason, Session, SessionState } from '../domain/session.js';
import type { Machine, OriginJudge } from '../providers/provider.js';
import type { PoolBillingSettings } from './billing-pool.js';
import type { DemandForecast, DemandSettings } from './demand-forecast.js';
import type { RegionPool } from '../sessions/region-pools.js';
import type { RegionSettings } from '../domain/region.js';

/** The settings the reconciler reads: the `lifecycle` block of Config (all of it fits). */
export type ReconcileSettings = Readonly<
  Pick<
    Config['lifecycle'],
    | 'readiness'
    | 'startTimeoutS'
    | 'bootTimeoutS'
    | 'heartbeatPeriodS'
    | 'heartbeatFailureThreshold'
    | 'outageSilentFraction'
    | 'sessionIdleTimeoutS'
    | 'sessionMaxLifetimeS'
    | 'recycleServers'
    | 'poolMinReady'
    | 'poolBuffer'
    | 'maxServers'
    | 'orphanGraceS'
    | 'teardownHandoffS'
    | 'reconcileIntervalS'
    | 'maxCreatesPerPass'
    | 'maxDeletesPerPass'
  > & {
    /**
     * When this process started (epoch ms; set by the Reconciler). Servers silent since
     * before it are no evidence of our own outage (health.ts); absent: none is judged so.
     */
    processStartedAtMs?: number;
    /** The fleet's regions (absent: the one fallback region): pending sessions get servers in theirs. */
    regions?: Pick<RegionSettings, 'names' | 'defaultRegion' | 'maxServers'>;
  }
>;

/** Everything one pass decides from. Loaded once per pass; computePlan reads no clock. */
export interface PlanInput {
  nowMs: number;
  /**
   * The running provider's name. Only rows whose origin it is are judged against its listing
   * (adopted, lost, torn down, deleted as idle): a row another provider made is not in this
   * listing and must never be deleted as "gone from the provider".
   */
  provider: OriginJudge;
  /** The provider's listing, or null when list() failed (nothing that depends on it is planned). */
  machines: readonly Machine[] | null;
  /** Every server row that is not deleted. */
  servers: readonly Server[];
  /** Pending and active sessions. */
  sessions: readonly Session[];
  settings: ReconcileSettings;
  /** With POOL_POLICY=forecast: what the pool is sized from (absent or null: the fixed policy). */
  demand?: PoolDemand | null;
  /** The fleet's regions, a warm pool each (absent: one pool holding every row, from `settings`). */
  regions?: RegionPoolsInput;
  /** How the provider bills and whether the pool keeps paid idle servers (absent: deleted as the pool says). */
  billing?: PoolBillingSettings | null;
  /** Shutdown rows this process tried to tear down without confirmation: retried, not handed off. */
  unconfirmedTeardowns?: ReadonlySet<string>;
  /** This process (ServerOps.instanceId): a shutdown row another one holds the teardown lease of is left to it. */
  self?: string;
}

/** One region's demand: what its forecast learns from. */
export interface RegionDemand {
  /** Creation times of the region's sessions started within settings.windowS (any state). */
  startsAtMs: readonly number[];
  /** Measured boots of servers made in the region, seconds. */
  bootsS: readonly number[];
  /** Lengths of the region's sessions started in the window that have ended, seconds. */
  endedLengthsS: readonly number[];
}

/** What the forecasting pool policy reads besides the live rows (see demand-forecast.ts). */
export interface PoolDemand {
  /** Per region (a region absent: no demand seen there); absent: the fields below, every region's together. */
  byRegion?: Readonly<Record<string, RegionDemand>>;
  /** Creation times of sessions started within settings.windowS (any state). */
  startsAtMs: readonly number[];
  /** Measured boots (create → first ready), seconds. */
  bootsS: readonly number[];
  /** Lengths of sessions started in the window that have ended, seconds. */
  endedLengthsS: readonly number[];
  settings: DemandSettings;
  /** Pool creates the API budget allows this pass; null = no limit known. */
  apiCreates?: number | null;
}

/** A machine found for a row that does not know it yet: record its id (and address). */
export interface AdoptAction {
  serverId: string;
  machine: Machine;
}

/** A row whose machine is gone: straight to deleted, its live session ended (server_lost). */
export interface LostAction {
  serverId: string;
  from: ServerState;
  /** Why, when not simply "machine gone" (an interrupted create whose machine never appeared). */
  reason?: string;
}

/**
 * A live row whose machine (its provider id known) is missing from the tag listing: asked
 * for by id before anything is concluded. Gone: the row is lost. Still there (made under
 * another tag, e.g. the original's `femquest-server`): adopted, our tag added.
 */
export interface LookupAction {
  serverId: string;
  providerId: string;
  from: ServerState;
}

/** A state step of one server (bootTimeout, shutdown, deleteIdle). */
export interface ServerStep {
  serverId: string;
  from: ServerState;
  reason: string;
}

/** A ready/allocated server gone silent: unhealthy (ours) or deleted (external), session ended. */
export interface HeartbeatLostAction extends ServerStep {
  to: 'unhealthy' | 'deleted';
  failures: number;
}

/** A session to end, with its reason; ending releases its server in the same transaction. */
export interface EndSessionAction {
  sessionId: string;
  from: SessionState;
  reason: EndReason;
  serverId: string | null;
}

/** Why heartbeat reaping is paused this pass. */
export interface OutageInfo {
  reason: string;
  silent: number;
  heartbeating: number;
}

/**
 * What one pass should do, in the order the reconciler applies it. Every list is capped
 * already: creates by maxCreatesPerPass, provider deletes (deleteOrphan + teardown +
 * deleteIdle) together by maxDeletesPerPass.
 */
export interface Plan {
  adopt: AdoptAction[];
  /** Readiness by address: starting rows with an address → ready. */
  promote: string[];
  markLost: LostAction[];
  /** Rows whose machine the listing lacks, to look up by id (capped by maxDeletesPerPass). */
  lookup: LookupAction[];
  bootTimeout: ServerStep[];
  heartbeatLost: HeartbeatLostAction[];
  endSession: EndSessionAction[];
  /** unhealthy/error → shutdown (whether or not the teardown fits in this pass). */
  shutdown: ServerStep[];
  /** Idle ready servers beyond the pool: ready → shutdown, then torn down. */
  deleteIdle: ServerStep[];
  /** Ready idle servers to hand to pending sessions (ops.offerToPending). */
  offer: string[];
  /** Rows to make (ops.reserve + ops.launch): the sum of createIn. */
  create: number;
  /** Rows to make per region (regions with none left out). */
  createIn: Readonly<Record<string, number>>;
  /** Rows in shutdown (after the steps above) whose machine to delete; providerId filled from the listing. */
  teardown: Server[];
  /** Machines of ours that no live row owns, past the grace. */
  deleteOrphan: Machine[];
  /** A cap held something back: run again at once. */
  partial: boolean;
  /** Heartbeat reaping paused: too many servers silent at once (our network, not theirs). */
  outage: OutageInfo | null;
  /** The warm pool's target this pass, in all and per region (absent when nothing was listed). */
  pool?: PoolPass;
  /** The default region's forecasting pool view this pass (null with the fixed policy). */
  forecast: DemandForecast | null;
  /** Each region's forecast this pass (null with the fixed policy). */
  forecasts: Readonly<Record<string, DemandForecast>> | null;
}

/** The warm pool's target of one pass: all regions together, and each one's. */
export interface PoolPass {
  target: number;
  atMaxServers: boolean;
  regions?: Readonly<Record<string, { target: number; atMaxServers: boolean }>>;
}

/** Number of actions of each kind, for status and logs. */
export type PlanCounts = Record<
  Exclude<keyof Plan, 'partial' | 'outage' | 'pool' | 'forecast' | 'forecasts' | 'createIn'>,
  number
>;

export function planCounts(p: Plan): PlanCounts {
  return {
    adopt: p.adopt.length,
    promote: p.promote.length,
    markLost: p.markLost.length,
    lookup: p.lookup.length,
    bootTimeout: p.bootTimeout.length,
    heartbeatLost: p.heartbeatLost.length,
    endSession: p.endSession.length,
    shutdown: p.shutdown.length,
    deleteIdle: p.deleteIdle.length,
    offer: p.offer.length,
    create: p.create,
    teardown: p.teardown.length,
    deleteOrphan: p.deleteOrphan.length,
  };
}

/** True when the plan has nothing to do. */
export function isEmptyPlan(p: Plan): boolean {
  return Object.values(planCounts(p)).every((n) => n === 0);
}

export interface ReconcilerStatus {
  lastPassAtMs: number | null;
  lastError: string | null;
  /** Set while heartbeat reaping is paused by the outage guard. */
  outage: { paused: boolean; reason: string } | null;
  passes: number;
  lastPlan: PlanCounts | null;
  /**
   * The warm-pool policy and, with `forecast`, what it expects and why it holds what it holds:
   * `forecast` the default region's, `forecasts` each region's.
   */
  pool: {
    policy: 'fixed' | 'forecast';
    forecast: DemandForecast | null;
    forecasts: Readonly<Record<string, DemandForecast>> | null;
  };
}

/** The fleet's regions and each one's pool in force this pass. */
export interface RegionPoolsInput {
  /** The default region (the original routes start there). */
  defaultRegion: string;
  /** Every configured region's pool, in the configured order (the order creates are shared out in). */
  pools: readonly RegionPool[];
}
