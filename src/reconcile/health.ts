import { ServerState, type Server } from '../domain/server.js';
import type { OutageInfo, ReconcileSettings } from './types.js';

/** The settings heartbeat counting reads. */
export type HealthSettings = Pick<
  ReconcileSettings,
  'heartbeatPeriodS' | 'heartbeatFailureThreshold' | 'outageSilentFraction'
>;

/** A server that is expected to heartbeat: ready or allocated (external ones included). */
export function isHeartbeating(s: Server): boolean {
  return s.state === ServerState.Ready || s.state === ServerState.Allocated;
}

/**
 * Missed heartbeats, as Agones counts them: one failure per whole period since the last
 * heartbeat, `floor((now - lastHeartbeat) / period)`. A server that never heartbeated counts
 * from when it became ready (or entered its state).
 */
export function heartbeatFailures(s: Server, nowMs: number, heartbeatPeriodS: number): number {
  const lastMs = s.lastHeartbeatAtMs ?? s.readyAtMs ?? s.stateChangedAtMs;
  const periodMs = heartbeatPeriodS * 1000;
  return Math.max(0, Math.floor((nowMs - lastMs) / periodMs));
}

/** Unhealthy once the failures reach the threshold. */
export function isSilent(s: Server, nowMs: number, settings: HealthSettings): boolean {
  return heartbeatFailures(s, nowMs, settings.heartbeatPeriodS) >= settings.heartbeatFailureThreshold;
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
 * or the silence is partial.
 */
export function assessHeartbeats(
  servers: readonly Server[],
  nowMs: number,
  settings: HealthSettings,
): HeartbeatAssessment {
  const expected = servers.filter(isHeartbeating);
  const silent = expected
    .map((server) => ({ server, failures: heartbeatFailures(server, nowMs, settings.heartbeatPeriodS) }))
    .filter((x) => x.failures >= settings.heartbeatFailureThreshold);
  const fraction = expected.length === 0 ? 0 : silent.length / expected.length;
  const outage =
    silent.length >= 2 && fraction > settings.outageSilentFraction
      ? {
          reason: `${silent.length} of ${expected.length} servers silent at once (more than ${settings.outageSilentFraction * 100}%): heartbeat reaping paused`,
          silent: silent.length,
          heartbeating: expected.length,
        }
      : null;
  return { silent, heartbeating: expected.length, outage };
}
