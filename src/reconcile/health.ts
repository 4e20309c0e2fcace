import { EXTERNAL_ORIGIN, ServerState, type Server } from '../domain/server.js';
import type { OutageInfo, ReconcileSettings } from './types.js';

/** The settings heartbeat counting reads. */
export type HealthSettings = Pick<
  ReconcileSettings,
  'heartbeatPeriodS' | 'heartbeatFailureThreshold' | 'outageSilentFraction' | 'processStartedAtMs'
>;

/** The reaping window: a server not heard from for this long is silent (threshold × period). */
export function heardWithinMs(s: Pick<HealthSettings, 'heartbeatPeriodS' | 'heartbeatFailureThreshold'>): number {
  return s.heartbeatPeriodS * s.heartbeatFailureThreshold * 1000;
}

/**
 * Whether a start or an offer may hand this server out: heard from within the reaping window,
 * counted from its last heartbeat only (the grace after our start is for reaping, not for use).
 */
export function isHeardRecently(s: Server, nowMs: number, settings: HealthSettings): boolean {
  return lastHeardAtMs(s) >= nowMs - heardWithinMs(settings);
}

/** When a server was last heard from (or, never heard, when it became ready or entered its state). */
function lastHeardAtMs(s: Server): number {
  return s.lastHeartbeatAtMs ?? s.readyAtMs ?? s.stateChangedAtMs;
}

/**
 * Whether the server was already past the failure threshold when this process started: silent
 * since before us (an imported femquest.db whose heartbeats are months old, or a restart after
 * a downtime longer than the threshold). Such silence says nothing about our own network.
 */
export function wasSilentAtStart(s: Server, settings: HealthSettings): boolean {
  const startMs = settings.processStartedAtMs;
  if (startMs === undefined) return false;
  return lastHeardAtMs(s) + heardWithinMs(settings) <= startMs;
}

/** A server that is expected to heartbeat: ready or allocated (external ones included). */
export function isHeartbeating(s: Server): boolean {
  return s.state === ServerState.Ready || s.state === ServerState.Allocated;
}

/**
 * Missed heartbeats, as Agones counts them: one failure per whole period since the last
 * heartbeat, `floor((now - lastHeartbeat) / period)`. A server that never heartbeated counts
 * from when it became ready (or entered its state).
 */
export function heartbeatFailures(s: Server, nowMs: number, heartbeatPeriodS: number, sinceMs = -Infinity): number {
  const lastMs = Math.max(lastHeardAtMs(s), sinceMs);
  const periodMs = heartbeatPeriodS * 1000;
  return Math.max(0, Math.floor((nowMs - lastMs) / periodMs));
}

/**
 * Failures as this process counts them: a server silent since before it started (see
 * wasSilentAtStart) is counted from the start, so after our own downtime the game servers
 * get the full threshold to reach us again before they are reaped.
 */
export function failuresNow(s: Server, nowMs: number, settings: HealthSettings): number {
  const since = wasSilentAtStart(s, settings) ? settings.processStartedAtMs : undefined;
  return heartbeatFailures(s, nowMs, settings.heartbeatPeriodS, since);
}

/** Unhealthy once the failures reach the threshold. */
export function isSilent(s: Server, nowMs: number, settings: HealthSettings): boolean {
  return failuresNow(s, nowMs, settings) >= settings.heartbeatFailureThreshold;
}

export interface HeartbeatAssessment {
  /** Heartbeating servers past the threshold, with their failure counts. */
  silent: { server: Server; failures: number }[];
  /** How many servers were expected to heartbeat. */
  heartbeating: number;
  /** Set when reaping must pause: the silence is ours, not theirs. */
  outage: OutageInfo | null;
}

/**
 * Finds the silent servers and applies the outage guard: when at least 2 servers and more
 * than `outageSilentFraction` of the heartbeating ones are silent in the same window, the
 * likeliest cause is our own network or process (a paused VM, a broken route), and reaping
 * them would kill every game at once. Heartbeat reaping then pauses until they speak again
 * or the silence is partial. Servers silent since before this process started are no such
 * evidence: they neither trip the guard nor are spared by it (an imported femquest.db with
 * months-old heartbeats would otherwise pause reaping for good and keep its dead servers).
 */
export function assessHeartbeats(
  servers: readonly Server[],
  nowMs: number,
  settings: HealthSettings,
): HeartbeatAssessment {
  const expected = servers.filter(isHeartbeating);
  const silent = expected
    .map((server) => ({ server, failures: failuresNow(server, nowMs, settings) }))
    .filter((x) => x.failures >= settings.heartbeatFailureThreshold);
  // Evidence of our own outage: only servers that were still speaking when this process started.
  // And only servers this orchestrator made: anyone with the shared key registers external
  // ones, and six silent fakes paused reaping for minutes (issue 21 item 7).
  const isEvidence = (s: Server) => s.origin !== EXTERNAL_ORIGIN && !wasSilentAtStart(s, settings);
  const judged = expected.filter(isEvidence);
  const silentJudged = silent.filter((x) => isEvidence(x.server)).length;
  const fraction = judged.length === 0 ? 0 : silentJudged / judged.length;
  const outage =
    silentJudged >= 2 && fraction > settings.outageSilentFraction
      ? {
          reason: `${silentJudged} of ${judged.length} servers silent at once (more than ${settings.outageSilentFraction * 100}%): heartbeat reaping paused`,
          silent: silentJudged,
          heartbeating: judged.length,
        }
      : null;
  return { silent, heartbeating: expected.length, outage };
}
