import { OrchestratorError } from '../domain/errors.js';
import type { PlacementRequest } from '../domain/placement.js';
import { EndReason, SessionState } from '../domain/session.js';
import type { Session } from '../domain/session.js';
import type { RegionPlacement } from './placement-offers.js';
import type { SessionDeps } from './session-deps.js';

/**
 * A pending session must not wait forever in a region whose provider refuses creates (issue 23).
 * When a create there is refused, each session waiting there beyond the machines already on their
 * way is re-placed by its own start's request with that region now skipped (its region and
 * placement change; the reconciler makes or hands it a server there), or, when nothing else is
 * within its reach (or it asked for that region by name), ends `region_unavailable` at once, so
 * its client starts again rather than waits. The request is read from the session's row
 * (start-session.ts keeps it there), so any replica re-places any replica's sessions, and a
 * restart forgets nothing.
 */
export class PendingReplacer {
  constructor(
    private readonly deps: SessionDeps,
    private readonly placement: RegionPlacement,
  ) {}

  /** Re-places or ends the sessions waiting in `region` beyond the machines on their way there. */
  async replaceIn(region: string): Promise<{ moved: number; ended: number }> {
    const { store, ops, clock } = this.deps;
    const now = clock.now();
    const out = await store.transaction(async (tx) => {
      const waiting = (await tx.listSessions([SessionState.Pending]))
        .filter((s) => s.region === region)
        .sort((a, b) => a.createdAtMs - b.createdAtMs);
      const onTheWay = (await tx.countByRegion(now)).get(region)?.onTheWay ?? 0;
      let moved = 0;
      let ended = 0;
      for (const s of waiting.slice(onTheWay)) {
        const where = await this.placeAgain(tx, s);
        if (where && (await tx.movePendingSession(s.id, where.region, where.reason))) moved++;
        else if (await ops.endSession(tx, s, EndReason.RegionUnavailable, { from: [SessionState.Pending] })) ended++;
      }
      return { moved, ended };
    });
    if (out.moved + out.ended > 0) {
      this.deps.log.warn({ region, ...out }, 'region refuses creates: its waiting sessions re-placed or ended');
      this.deps.reconcileSoon();
    }
    return out;
  }

  private async placeAgain(tx: Parameters<RegionPlacement['place']>[0], s: Session) {
    const req: PlacementRequest | null = await tx.placementRequestOf(s.id);
    if (!req) return null;
    try {
      return await this.placement.place(tx, req, this.deps.clock.now());
    } catch (err) {
      if (err instanceof OrchestratorError) return null;
      throw err;
    }
  }
}
