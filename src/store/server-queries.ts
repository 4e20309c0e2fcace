import { sql, type Kysely, type QueryCreator } from 'kysely';
import { ServerState, type Server } from '../domain/server.js';
import type { Database, DialectKind, ServerRow } from './db-schema.js';
import { fromServer, serverPatchColumns, toServer } from './row-mapping.js';
import { HotStatement, type ParamOf } from './hot-statement.js';
import type { ServerPatch } from './store.js';

/** A Kysely instance or a transaction over the store's tables. */
type Db = Kysely<Database>;

/** A literal in the SQL text, not a bound parameter (see HotStatement). */
const lit = <T extends string | number>(value: T) => sql.lit(value);
/**
 * The states of the servers_active_ip_uq partial index's predicate (migration 0001),
 * `.where('state', 'in', ACTIVE_STATES)`: repeated as literals, not bound parameters, so SQLite
 * recognises the predicate and uses the index.
 */
const ACTIVE_STATES = (['creating', 'starting', 'ready', 'allocated'] as const).map((s) => lit(s));

export async function insertServer(db: Db, server: Server): Promise<void> {
  await db.insertInto('servers').values(fromServer(server)).execute();
}

export async function getServer(db: Db, kind: DialectKind, id: string): Promise<Server | null> {
  const [row] = await GET_SERVER.rows(db, kind, [id]);
  return row ? toServer(row) : null;
}
// Every /v1 join, lookup and server call reads it: compiled once (see HotStatement).
const GET_SERVER = new HotStatement<[id: string], ServerRow>('getServer', (db, p) =>
  db.selectFrom('servers').selectAll().where('id', '=', p(0)),
);

/** Hot path (every heartbeat): one lookup in the partial unique index on ip. */
export async function findActiveServerByIp(db: Db, kind: DialectKind, ip: string): Promise<Server | null> {
  const rows = await FIND_ACTIVE_SERVER_BY_IP.rows(db, kind, [ip]);
  return rows[0] ? toServer(rows[0]) : null;
}
const FIND_ACTIVE_SERVER_BY_IP = new HotStatement<[ip: string], ServerRow>('findActiveServerByIp', (db, p) =>
  db.selectFrom('servers').selectAll().where('ip', '=', p(0)).where('state', 'in', ACTIVE_STATES),
);

export async function listServers(db: Db, states?: readonly ServerState[]): Promise<Server[]> {
  if (states && states.length === 0) return [];
  let q = db.selectFrom('servers').selectAll().orderBy('created_at').orderBy('id');
  if (states) q = q.where('state', 'in', states);
  return (await q.execute()).map(toServer);
}

export async function countServers(db: Db, states: readonly ServerState[]): Promise<number> {
  if (states.length === 0) return 0;
  const row = await db
    .selectFrom('servers')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('state', 'in', states)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function countMadeServers(db: Db, states: readonly ServerState[]): Promise<number> {
  if (states.length === 0) return 0;
  const row = await db
    .selectFrom('servers')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('state', 'in', states)
    .where('origin', '<>', 'external')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * One conditional UPDATE … RETURNING: the state check and the write cannot be split by a
 * concurrent writer. state_changed_at moves only when the state really changes. Entering
 * 'ready' without an explicit readyAtMs stamps ready_at = now, so the server queues behind
 * the servers that were ready before it (claimReadyServer takes the longest-ready).
 */
export async function transitionServer(
  db: Db,
  id: string,
  from: readonly ServerState[],
  to: ServerState,
  patch: ServerPatch,
  nowMs: number,
): Promise<Server | null> {
  if (from.length === 0) return null;
  const stampReadyAt = to === 'ready' && patch.readyAtMs === undefined;
  const row = await db
    .updateTable('servers')
    .set((eb) => ({
      ...serverPatchColumns(patch),
      ...(stampReadyAt
        ? { ready_at: eb.case().when('state', '=', lit(ServerState.Ready)).then(eb.ref('ready_at')).else(nowMs).end() }
        : {}),
      state: to,
      updated_at: nowMs,
      state_changed_at: eb.case().when('state', '=', to).then(eb.ref('state_changed_at')).else(nowMs).end(),
      // A lease holds work in one state (a create, a teardown): a row that moves on is free of it,
      // so a creator's lease never delays another replica's teardown of a server ended at once.
      lease_until: eb.case().when('state', '=', to).then(eb.ref('lease_until')).else(null).end(),
    }))
    .where('id', '=', id)
    .where('state', 'in', from)
    .returningAll()
    .executeTakeFirst();
  return row ? toServer(row) : null;
}

/**
 * Hot path (a heartbeat from a server in service): ONE conditional UPDATE … RETURNING through
 * the partial unique index on ip (its predicate's states as literals, see above).
 */
export async function recordHeartbeatByIp(
  db: Db,
  kind: DialectKind,
  ip: string,
  players: number,
  nowMs: number,
): Promise<Server | null> {
  const rows = await RECORD_HEARTBEAT_BY_IP.rows(db, kind, [players, nowMs, nowMs, ip]);
  return rows[0] ? toServer(rows[0]) : null;
}
const RECORD_HEARTBEAT_BY_IP = new HotStatement<
  [players: number, heardAt: number, updatedAt: number, ip: string],
  ServerRow
>('recordHeartbeatByIp', (db, p) =>
  db
    .updateTable('servers')
    .set({ players: p(0), last_heartbeat_at: p(1), updated_at: p(2) })
    .where('ip', '=', p(3))
    .where('state', 'in', ACTIVE_STATES)
    .where('state', 'in', [lit(ServerState.Ready), lit(ServerState.Allocated)])
    .returningAll(),
);

export async function patchServer(
  db: Db,
  id: string,
  states: readonly ServerState[],
  patch: ServerPatch,
  nowMs: number,
): Promise<Server | null> {
  if (states.length === 0) return null;
  const row = await db
    .updateTable('servers')
    .set({ ...serverPatchColumns(patch), updated_at: nowMs })
    .where('id', '=', id)
    .where('state', 'in', states)
    .returningAll()
    .executeTakeFirst();
  return row ? toServer(row) : null;
}

/**
 * Hot path: takes the longest-ready idle server in ONE statement. On PostgreSQL the inner
 * SELECT skips rows other claimers have locked, so concurrent claims take different servers
 * instead of queueing on the same row; the outer `state = 'ready'` re-check makes a claim
 * that lost anyway return nothing. NO KEY UPDATE is the lock the UPDATE takes anyway, and
 * unlike FOR UPDATE it does not collide with the KEY SHARE lock of a session row being
 * inserted that references the server. SQLite runs one statement at a time, so it needs
 * neither.
 */
export async function claimReadyServer(
  db: Db,
  kind: DialectKind,
  nowMs: number,
  heardSinceMs = Number.MIN_SAFE_INTEGER,
  region?: string,
): Promise<Server | null> {
  const rows =
    region === undefined
      ? await CLAIM_READY_SERVER.rows(db, kind, [nowMs, nowMs, heardSinceMs])
      : await CLAIM_READY_IN_REGION.rows(db, kind, [nowMs, nowMs, heardSinceMs, region]);
  return rows[0] ? toServer(rows[0]) : null;
}
// Every warm start runs one: compiled once (see HotStatement). SKIP LOCKED on PostgreSQL only.
export type ClaimParams = [updatedAt: number, changedAt: number, heardSince: number, region?: string];
/** The claim, on a Kysely or inside a WITH (warm-start-queries.ts: a warm start in one statement). */
export const claimReady = (db: QueryCreator<Database>, p: ParamOf<ClaimParams>, kind: DialectKind, inRegion: boolean) =>
  db
    .updateTable('servers')
    .set({ state: lit(ServerState.Allocated), updated_at: p(0), state_changed_at: p(1) })
    .where('id', '=', (eb) =>
      eb
        .selectFrom('servers')
        .select('id')
        .where('state', '=', lit(ServerState.Ready))
        .$if(inRegion, (q) => q.where('region', '=', p(3) as string))
        .where('players', '=', lit(0))
        .where((e) => e.fn.coalesce('last_heartbeat_at', 'ready_at', lit(0)), '>=', p(2))
        .orderBy('ready_at')
        .orderBy('id')
        .limit(lit(1))
        .$if(kind === 'postgres', (q) => q.forNoKeyUpdate().skipLocked()),
    )
    .where('state', '=', lit(ServerState.Ready))
    .returningAll();
const CLAIM_READY_SERVER = new HotStatement<ClaimParams, ServerRow>('claimReadyServer', (db, p, kind) =>
  claimReady(db, p, kind, false),
);
/** The claim of one region (migration 0011's servers_region_ready_idx): a start placed there. */
const CLAIM_READY_IN_REGION = new HotStatement<ClaimParams, ServerRow>('claimReadyServer(region)', (db, p, kind) =>
  claimReady(db, p, kind, true),
);

export async function countMachines(db: Db): Promise<number> {
  const row = await db
    .selectFrom('servers')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('state', '<>', lit(ServerState.Deleted))
    .where('origin', '<>', lit('external'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function countOnTheWay(db: Db, nowMs: number): Promise<number> {
  const row = await db
    .selectFrom('servers')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('origin', '<>', lit('external'))
    .where((eb) =>
      eb.or([
        eb('state', '=', lit(ServerState.Starting)),
        eb.and([
          eb('state', '=', lit(ServerState.Creating)),
          eb.or([eb('provider_id', 'is not', null), eb('lease_until', 'is', null), eb('lease_until', '>', nowMs)]),
        ]),
      ]),
    )
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Extends the creator's lease on a creating row; false once it is not creating any more. */
export async function renewServerLease(db: Db, id: string, owner: string, untilMs: number): Promise<boolean> {
  const res = await db
    .updateTable('servers')
    .set({ owner, lease_until: untilMs })
    .where('id', '=', id)
    .where('state', '=', 'creating')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/**
 * Takes (or renews) the teardown lease of a row waiting for its machine's delete
 * (machine-teardown.ts): false when another process holds it unexpired, or the row is not
 * waiting any more (deleted, or back in service).
 */
export async function claimServerTeardown(
  db: Db,
  id: string,
  owner: string,
  nowMs: number,
  untilMs: number,
): Promise<boolean> {
  const res = await db
    .updateTable('servers')
    .set({ owner, lease_until: untilMs })
    .where('id', '=', id)
    .where('state', 'in', ['shutdown', 'unhealthy', 'error'])
    .where((eb) => eb.or([eb('owner', '=', owner), eb('lease_until', 'is', null), eb('lease_until', '<=', nowMs)]))
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** Gives up this process's lease on a row at once (a teardown it could not confirm: the leader retries). */
export async function releaseServerLease(db: Db, id: string, owner: string): Promise<void> {
  await db.updateTable('servers').set({ lease_until: null }).where('id', '=', id).where('owner', '=', owner).execute();
}
