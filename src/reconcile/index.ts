/** The control loop: a pure planner (computePlan and its policies) and the Reconciler that applies it. */
export { Reconciler, type PassResult, type ReconcilerDeps } from './reconciler.js';
export type { ReconcilerStatus } from './types.js';
export { computePlan } from './plan.js';
export { BootWatcher, type BootLook, type BootWatcherDeps } from './boot-watcher.js';
export { computePool, type PoolDecision, type PoolInput } from './warm-pool.js';
export {
  forecastPool,
  stockFor,
  instantShare,
  type DemandForecast,
  type DemandObservations,
  type DemandSettings,
} from './demand-forecast.js';
export { assessHeartbeats, heartbeatFailures, isSilent, type HeartbeatAssessment } from './health.js';
export { sessionEndReason } from './plan-sessions.js';
export type { ApplyReport } from './apply-tally.js';
export {
  isEmptyPlan,
  planCounts,
  type AdoptAction,
  type EndSessionAction,
  type HeartbeatLostAction,
  type LostAction,
  type OutageInfo,
  type Plan,
  type PlanCounts,
  type PlanInput,
  type PoolDemand,
  type ReconcileSettings,
  type ServerStep,
} from './types.js';
