import { sql, type Kysely } from 'kysely';
import { ServerState } from '../domain/server.js';
import { SessionState } from '../domain/session.js';
import type { PlacementRequest } from '../domain/placement.js';
import type { Database } from './db-schema.js';

/** A Kysely instance or a transaction over the store's tables. */
type Db = Kysely<Database>;

const lit = <T extends string | number>(value: T) => sql.lit(value);

/** What one region holds now (StoreVerbs.countByRegion). */
export interface RegionCount {
  /** Ready servers with 0 players heard from since `heardSinceMs`: what a start there can claim. */
  ready: number;
  /** Live rows a provider made there (not external): what its cap counts. */
  machines: number;
  /** Machines on their way there (countOnTheWay's rule). */
  onTheWay: number;
  /** Sessions waiting there. */
  pending: number;
}

/**
 * Every region's counts in two aggregate statements: the live servers (servers_live_created_at_idx:
 * deleted rows are not read; the predicate is repeated literally so SQLite uses it) and the pending
 * sessions (sessions_pending_region_idx). A region with no rows is absent.
 */
export async function countByRegion(db: Db, nowMs: number, heardSinceMs: number): Promise<Map<string, RegionCount>> {
  const serverRows = await db
    .selectFrom('servers')
    .select((eb) => {
      const made = eb('origin', '<>', lit('external'));
      const count = (when: ReturnType<typeof eb.and>) =>
        eb.fn.sum<number | string>(eb.case().when(when).then(1).else(0).end());
      return [
        'region',
        count(
          eb.and([
            eb('state', '=', lit(ServerState.Ready)),
            eb('players', '=', lit(0)),
            eb(eb.fn.coalesce('last_heartbeat_at', 'ready_at', lit(0)), '>=', heardSinceMs),
          ]),
        ).as('ready'),
        count(eb.and([made])).as('machines'),
        count(
          eb.and([
            made,
            eb.or([
              eb('state', '=', lit(ServerState.Starting)),
              eb.and([
                eb('state', '=', lit(ServerState.Creating)),
                eb.or([
                  eb('provider_id', 'is not', null),
                  eb('lease_until', 'is', null),
                  eb('lease_until', '>', nowMs),
                ]),
              ]),
            ]),
          ]),
        ).as('on_the_way'),
      ];
    })
    .where('state', '<>', lit(ServerState.Deleted))
    .groupBy('region')
    .execute();
  const pendingRows = await db
    .selectFrom('sessions')
    .select((eb) => ['region', eb.fn.countAll<number | string>().as('n')])
    .where('state', '=', lit(SessionState.Pending))
    .groupBy('region')
    .execute();
  const out = new Map<string, RegionCount>();
  const of = (region: string) => {
    let c = out.get(region);
    if (!c) out.set(region, (c = { ready: 0, machines: 0, onTheWay: 0, pending: 0 }));
    return c;
  };
  for (const r of serverRows) {
    const c = of(r.region);
    c.ready = Number(r.ready ?? 0);
    c.machines = Number(r.machines ?? 0);
    c.onTheWay = Number(r.on_the_way ?? 0);
  }
  for (const r of pendingRows) of(r.region).pending = Number(r.n);
  return out;
}

/** A pending session moves to another region (its own refuses creates); false when it is no longer pending. */
export async function movePendingSession(
  db: Db,
  id: string,
  region: string,
  placement: string | null,
): Promise<boolean> {
  const r = await db
    .updateTable('sessions')
    .set({ region, placement })
    .where('id', '=', id)
    .where('state', '=', SessionState.Pending)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Keeps a pending session's placement request on its row, for a re-placement by any replica. */
export async function setPlacementRequest(db: Db, id: string, req: PlacementRequest): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ placement_request: JSON.stringify(req) })
    .where('id', '=', id)
    .execute();
}

/** A session's kept placement request; null when it has none (or it is not ours to read). */
export async function placementRequestOf(db: Db, id: string): Promise<PlacementRequest | null> {
  const row = await db.selectFrom('sessions').select('placement_request').where('id', '=', id).executeTakeFirst();
  if (!row?.placement_request) return null;
  try {
    return JSON.parse(row.placement_request) as PlacementRequest;
  } catch {
    return null;
  }
}
