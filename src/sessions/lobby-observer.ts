import { OrchestratorError, Refusal } from '../domain/errors.js';

/** How a quick join ended: a seat in a session that was there, a seat in one it started, or refused. */
export type QuickJoinOutcome =
  { outcome: 'seated' | 'started'; region: string } | { outcome: 'refused'; reason: string };

/** What lobby metrics count (operator/lobby-metrics.ts): listings served and quick joins' outcomes. */
export interface LobbyObserver {
  /** A listing answered from the shared answer (hit) or read from the store (miss). */
  listing(cache: 'hit' | 'miss'): void;
  quickJoin(o: QuickJoinOutcome): void;
}

/**
 * Why a request was refused, from a bounded set: a /v1 refusal's reason (unknown_region,
 * no_region_within_latency, regions_unavailable, session_full…), else the error's code
 * (invalid_input, conflict, rate_limited…), else `internal`.
 */
export function refusalReason(err: unknown): string {
  if (err instanceof Refusal) return err.reason;
  if (err instanceof OrchestratorError) return err.code;
  return 'internal';
}
