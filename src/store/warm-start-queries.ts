import { sql, type Kysely } from 'kysely';
import { EventKind, type EventData, type FleetEvent } from '../domain/events.js';
import { ServerState } from '../domain/server.js';
import { SessionState, type Session } from '../domain/session.js';
import type { Database, ServerRow } from './db-schema.js';
import { eventIdInTx } from './event-queries.js';
import { HotStatement, type ParamOf } from './hot-statement.js';
import { toServer } from './row-mapping.js';
import { claimReady, type ClaimParams } from './server-queries.js';
import type { WarmStartInput, WarmStarted } from './store.js';

/*
 * Issue 22 item 6: a warm start on PostgreSQL was a transaction of five sequential round trips
 * (BEGIN, the claim, the session's INSERT, its events' INSERT, COMMIT), each waiting for the one
 * before, holding a pool connection and a backend across all five. Here it is ONE statement,
 * run outside any transaction (autocommit: the statement is its transaction), so one round trip:
 *
 *   WITH claimed AS (UPDATE servers … WHERE id = (SELECT … FOR NO KEY UPDATE SKIP LOCKED) … RETURNING *),
 *        started AS (INSERT INTO sessions SELECT … FROM claimed RETURNING …),
 *        logged  AS (INSERT INTO events SELECT … FROM claimed UNION ALL SELECT … FROM started RETURNING …)
 *   SELECT … FROM claimed CROSS JOIN logged
 *
 * - The claim is claimReadyServer's own (server-queries.ts, built by the same function): the
 *   longest-ready idle server of the region, skipping rows other claimers hold, re-checked ready.
 * - The session is inserted on the claimed row only, and its events only with the session:
 *   no ready server claims nothing and writes nothing (the caller then takes the transaction,
 *   which queues a pending session).
 * - The session's INSERT has no ON CONFLICT: a share code taken by a live session fails the
 *   whole statement (unique violation), so the claim is undone with it, and the call is made
 *   again with a new code. The server cannot hold two live sessions for the same reason
 *   (sessions_live_server_uq), and the claim locked its row besides.
 * - With an Idempotency-Key, the claim is made only when no row holds the key, and the key is
 *   inserted for the new session without ON CONFLICT: a racing start that stored it first fails
 *   the statement (nothing written), and the caller's transaction then answers from the key.
 * - The events get their ids from the statement's transaction as every event does (the outbox's
 *   commit-order scheme, event-queries.ts): the claim's ready → allocated first, then
 *   session.started, with the data the transaction's path writes (session-verbs.ts); the
 *   contract suite compares the two.
 */

type WarmParams = [
  updatedAt: number,
  changedAt: number,
  heardSince: number,
  region: string | undefined,
  id: string,
  code: string,
  now: number,
  maxPlayers: number | null,
  metadata: string | null,
  key: string | undefined,
  keyExpiresAt: number | undefined,
  placement: string | null,
];

interface WarmRow extends ServerRow {
  event_id: number | string;
  event_kind: string;
  event_session_id: string | null;
  event_data: string;
}

const build = (db: Kysely<Database>, p: ParamOf<WarmParams>, inRegion: boolean, keyed: boolean) =>
  db
    .with('claimed', (q) =>
      claimReady(q, p as unknown as ParamOf<ClaimParams>, 'postgres', inRegion).$if(keyed, (u) =>
        // A key already stored (live, ended or expired) is the transaction's to decide.
        u.where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('idempotency_keys')
                .select('key')
                .where('key', '=', p(9) as string),
            ),
          ),
        ),
      ),
    )
    .with('started', (q) =>
      q
        .insertInto('sessions')
        .columns([
          'id',
          'code',
          'state',
          'server_id',
          'created_at',
          'activated_at',
          'last_played_at',
          'fresh',
          'region',
          'max_players',
          'metadata',
          'placement',
        ])
        .expression((eb) =>
          eb
            .selectFrom('claimed')
            .select((e) => [
              e.cast<string>(e.val(p(4)), 'text').as('id'),
              e.cast<string>(e.val(p(5)), 'text').as('code'),
              sql.lit(SessionState.Active).as('state'),
              'claimed.id as server_id',
              e.cast<number>(e.val(p(6)), 'bigint').as('created_at'),
              e.cast<number>(e.val(p(6)), 'bigint').as('activated_at'),
              e.cast<number>(e.val(p(6)), 'bigint').as('last_played_at'),
              sql.lit(0).as('fresh'),
              'claimed.region',
              e.cast<number | null>(e.val(p(7)), 'integer').as('max_players'),
              e.cast<string | null>(e.val(p(8)), 'text').as('metadata'),
              e.cast<string | null>(e.val(p(11)), 'text').as('placement'),
            ]),
        )
        .returning(['id', 'code', 'server_id', 'region', 'placement']),
    )
    .with('keyed', (q) =>
      q
        .insertInto('idempotency_keys')
        .columns(['key', 'session_id', 'created_at', 'expires_at'])
        .expression((eb) =>
          eb
            .selectFrom('started')
            .select((e) => [
              e.cast<string>(e.val(p(9)), 'text').as('key'),
              'started.id as session_id',
              e.cast<number>(e.val(p(6)), 'bigint').as('created_at'),
              e.cast<number>(e.val(p(10)), 'bigint').as('expires_at'),
            ])
            // Without a key, no row (and the CTE costs nothing).
            .where(sql.lit(keyed), '=', sql.lit(true)),
        ),
    )
    .with('logged', (q) =>
      q
        .insertInto('events')
        .columns(['id', 'at_ms', 'kind', 'server_id', 'session_id', 'data'])
        .expression((eb) =>
          eb
            .selectFrom('claimed')
            .select((e) => [
              eventIdInTx(0).as('id'),
              e.cast<number>(e.val(p(6)), 'bigint').as('at_ms'),
              sql.lit<string>(EventKind.ServerStateChanged).as('kind'),
              'claimed.id as server_id',
              e.cast<string | null>(sql.lit(null), 'text').as('session_id'),
              e
                .cast<string>(
                  e.fn('json_build_object', [
                    ...[sql.lit('from'), sql.lit(ServerState.Ready), sql.lit('to'), sql.lit(ServerState.Allocated)],
                    ...[sql.lit('reason'), sql.lit('claimed by a start'), sql.lit('origin'), e.ref('claimed.origin')],
                    ...[sql.lit('region'), e.ref('claimed.region'), sql.lit('ip'), e.ref('claimed.ip')],
                  ]),
                  'text',
                )
                .as('data'),
            ])
            .unionAll(
              eb
                .selectFrom('started')
                .select((e) => [
                  eventIdInTx(1).as('id'),
                  e.cast<number>(e.val(p(6)), 'bigint').as('at_ms'),
                  sql.lit<string>(EventKind.SessionStarted).as('kind'),
                  e.ref('started.server_id').$notNull().as('server_id'),
                  'started.id as session_id',
                  e
                    .cast<string>(
                      e.fn('json_build_object', [
                        ...[sql.lit('code'), e.ref('started.code'), sql.lit('state'), sql.lit(SessionState.Active)],
                        ...[sql.lit('coldStart'), sql.lit(false), sql.lit('region'), e.ref('started.region')],
                        ...[sql.lit('placement'), e.ref('started.placement')],
                      ]),
                      'text',
                    )
                    .as('data'),
                ]),
            ),
        )
        .returning(['id', 'kind', 'session_id', 'data']),
    )
    .selectFrom('claimed')
    .crossJoin('logged')
    .selectAll('claimed')
    .select([
      'logged.id as event_id',
      'logged.kind as event_kind',
      'logged.session_id as event_session_id',
      'logged.data as event_data',
    ]);

const statement = (inRegion: boolean, keyed: boolean) =>
  new HotStatement<WarmParams, WarmRow>(
    `startOnReadyServer(${[inRegion ? 'region' : '', keyed ? 'key' : ''].filter(Boolean).join(', ')})`,
    (db, p) => build(db, p, inRegion, keyed),
  );
/** By [inRegion][keyed]. */
const WARM_STARTS = [
  [statement(false, false), statement(false, true)],
  [statement(true, false), statement(true, true)],
] as const;

/** PostgreSQL's unique violation, on which table. */
const uniqueViolationOn = (err: unknown): string | null => {
  const e = err as { code?: string; table?: string; constraint?: string } | null;
  return e?.code === '23505' ? (e.constraint === 'sessions_live_code_uq' ? 'code' : (e.table ?? '?')) : null;
};

/**
 * A warm start in one statement (see above), on PostgreSQL: the session on the claimed server
 * and both events, or null when no ready server was there to claim (nothing written).
 */
export async function startOnReadyServer(db: Kysely<Database>, start: WarmStartInput): Promise<WarmStarted | null> {
  const { nowMs, region, details, idempotencyKey: key } = start;
  const statement = WARM_STARTS[region === undefined ? 0 : 1][key ? 1 : 0];
  for (let attempt = 0; attempt < 20; attempt++) {
    const { id, code } = start.fresh();
    let rows: WarmRow[];
    try {
      rows = await statement.rows(db, 'postgres', [
        nowMs,
        nowMs,
        start.heardSinceMs ?? Number.MIN_SAFE_INTEGER,
        region,
        id,
        code,
        nowMs,
        details?.maxPlayers ?? null,
        details?.metadata ?? null,
        key?.key,
        key?.expiresAtMs,
        start.placement ?? null,
      ]);
    } catch (err) {
      const on = uniqueViolationOn(err);
      if (on === 'code') continue;
      // A racing start stored the key first: the transaction answers with its session.
      if (on === 'idempotency_keys') return null;
      throw err;
    }
    if (rows.length === 0) return null;
    const server = toServer(rows[0]!);
    const session: Session = {
      id,
      code,
      state: SessionState.Active,
      serverId: server.id,
      createdAtMs: nowMs,
      activatedAtMs: nowMs,
      endedAtMs: null,
      endReason: null,
      lastPlayedAtMs: nowMs,
      coldStart: false,
      region: server.region,
      placement: start.placement ?? null,
      owner: null,
      leaseUntilMs: null,
    };
    const events: FleetEvent[] = rows
      .map((r) => ({
        id: Number(r.event_id),
        atMs: nowMs,
        kind: r.event_kind as EventKind,
        serverId: server.id,
        sessionId: r.event_session_id,
        data: JSON.parse(r.event_data) as EventData,
      }))
      .sort((a, b) => a.id - b.id);
    return { server, session, events };
  }
  throw new Error('Could not find a free share code');
}
