import { poolTarget, wantedIdle } from '../sessions/pool-settings.js';
import { compareText } from './compare-text.js';
import type { Server } from '../domain/server.js';
import type { ReconcileSettings } from './types.js';

/** What the pool policy sees, after this pass's other steps (offers included). */
export interface PoolInput {
  /** Ready servers with 0 players that no pending session is taking this pass (external ones included). */
  idleReady: readonly Server[];
  /** Servers on their way: creating or starting. */
  coming: number;
  /** Pending sessions left waiting after this pass's offers. */
  pending: number;
  /** Live machines we made: non-external rows that are not deleted (rows being torn down count). */
  liveMade: number;
  settings: Pick<ReconcileSettings, 'poolMinReady' | 'poolBuffer' | 'maxServers'>;
  /**
   * The forecasting policy's sizes (POOL_POLICY=forecast), replacing max(min, buffer):
   * `target` idle-or-coming servers are made, idle ones beyond `keep` (≥ target) deleted.
   */
  forecast?: { target: number; keep: number } | null;
  /** Servers the API budget allows this pass for the pool itself (pending starts are not held back). */
  apiCreates?: number | null;
}

export interface PoolDecision {
  /** Idle-or-coming servers wanted: max(poolMinReady, poolBuffer) + pending. */
  target: number;
  /** Servers to make (before the per-pass cap). */
  create: number;
  /** Idle ready servers to delete (before the per-pass cap), newest-ready first. */
  deleteIdle: Server[];
  /** The hard cap held creates back (more were wanted). */
  atMaxServers: boolean;
}

/**
 * The warm-pool policy (Agones' buffer policy, with pending starts on top):
 *
 *   wantedIdle = max(poolMinReady, poolBuffer)
 *   target     = wantedIdle + pending          (pending sessions take coming servers first)
 *   have       = idleReady + coming
 *   create     = clamp(target − have, 0, maxServers − liveMade)
 *   delete     = min(have − target, deletable idle)    when have > target
 *
 * `maxServers` is the hard cost cap on live machines we made; nothing passes it. A pool of 0
 * with no pending sessions scales to zero. Only idle ready servers of ours with 0 players are
 * deleted, newest-ready first, so the longest-ready (handed out first) stay. Servers still
 * booting are never deleted for being extra: they would be wasted money already spent.
 * External servers count as idle supply (starts claim them) but are never deleted. A recycled
 * server (RECYCLE_SERVERS) is idle supply like any other: recycling saves a boot when the
 * pool wants idle servers, and with a pool of 0 the recycled server is deleted as extra.
 *
 * With a forecast (demand-forecast.ts) `wantedIdle` is its target (at least poolMinReady) and
 * idle servers are deleted only beyond its `keep`; pool creates beyond what pending starts
 * need stay within `apiCreates`, the API budget left for the pool.
 */
export function computePool(input: PoolInput): PoolDecision {
  const { settings } = input;
  const f = input.forecast;
  const idle = wantedIdle(settings, f?.target);
  const keptIdle = f ? Math.max(idle, f.keep) : idle;
  const target = poolTarget(settings, input.pending, f?.target);
  const have = input.idleReady.length + input.coming;
  const room = Math.max(0, settings.maxServers - input.liveMade);
  const want = Math.max(0, target - have);
  const forPending = Math.max(0, input.pending - have);
  const budget = input.apiCreates === undefined || input.apiCreates === null ? Infinity : Math.max(0, input.apiCreates);
  const create = Math.min(want, room, forPending + budget);
  const excess = Math.max(0, have - (keptIdle + input.pending));
  const deletable = input.idleReady
    .filter((s) => s.origin !== 'external' && s.players === 0)
    .sort((a, b) => (b.readyAtMs ?? 0) - (a.readyAtMs ?? 0) || compareText(b.id, a.id));
  return { target, create, deleteIdle: deletable.slice(0, excess), atMaxServers: want > room };
}
