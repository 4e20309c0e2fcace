import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, DialectKind } from './db-schema.js';
import { HotStatement } from './hot-statement.js';

/*
 * The small shared tables: idempotency keys, the replay cache, rate counters and meta.
 * Every write is one upsert (never a caught unique violation, which on PostgreSQL would
 * abort the caller's transaction), so replicas sharing the database agree without locks.
 */

/** A Kysely instance or a transaction over the store's tables. */
type Db = Kysely<Database>;

export async function getIdempotentSession(
  db: Db,
  kind: DialectKind,
  key: string,
  nowMs: number,
): Promise<string | null> {
  const [row] = await GET_IDEMPOTENT_SESSION.rows(db, kind, [key, nowMs]);
  return row?.session_id ?? null;
}
const GET_IDEMPOTENT_SESSION = new HotStatement<[key: string, nowMs: number], { session_id: string }>(
  'getIdempotentSession',
  (db, p) =>
    db.selectFrom('idempotency_keys').select('session_id').where('key', '=', p(0)).where('expires_at', '>', p(1)),
);

/**
 * One statement that both binds and reads: a new key is inserted; an existing unexpired key
 * keeps its session (the no-op update makes RETURNING report it); an expired one is replaced.
 */
export async function putIdempotencyKey(
  db: Db,
  kind: DialectKind,
  key: string,
  sessionId: string,
  nowMs: number,
  expiresAtMs: number,
): Promise<string> {
  const rows = await PUT_IDEMPOTENCY_KEY.rows(db, kind, [key, sessionId, nowMs, expiresAtMs]);
  const row = rows[0];
  if (!row) throw new Error('idempotency key upsert returned no row');
  return row.session_id;
}
// Every start with a key runs it: compiled once (see HotStatement).
const PUT_IDEMPOTENCY_KEY = new HotStatement<
  [key: string, sessionId: string, nowMs: number, expiresAtMs: number],
  { session_id: string }
>('putIdempotencyKey', (db, p) =>
  db
    .insertInto('idempotency_keys')
    .values({ key: p(0), session_id: p(1), created_at: p(2), expires_at: p(3) })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet((eb) => {
        // The stored key's column while it is unexpired, else the new one.
        const keepUnexpired = <C extends 'session_id' | 'created_at' | 'expires_at'>(column: C) =>
          eb
            .case()
            .when('idempotency_keys.expires_at', '<=', p(2))
            .then(eb.ref(`excluded.${column}`))
            .else(eb.ref(`idempotency_keys.${column}`))
            .end();
        return {
          session_id: keepUnexpired('session_id'),
          created_at: keepUnexpired('created_at'),
          expires_at: keepUnexpired('expires_at'),
        };
      }),
    )
    .returning('session_id'),
);

/**
 * Hot path (every signed request): one append. A row comes back when the signature is new;
 * a replay has the same timestamp, so the same (expires_at, prefix) key: nothing comes back.
 */
export async function rememberSignature(
  db: Db,
  kind: DialectKind,
  signature: string,
  _nowMs: number,
  expiresAtMs: number,
): Promise<boolean> {
  const rows = await REMEMBER_SIGNATURE.rows(db, kind, [expiresAtMs, signaturePrefix(signature)]);
  return rows.length > 0;
}
const REMEMBER_SIGNATURE = new HotStatement<[expiresAtMs: number, prefix: string], { expires_at: number }>(
  'rememberSignature',
  (db, p) =>
    db
      .insertInto('replay_keys')
      .values({ expires_at: p(0), sig_prefix: p(1) })
      .onConflict((oc) => oc.doNothing())
      .returning('expires_at'),
);

/**
 * The signature's first 64 bits as a signed integer (its text, so both drivers bind it as a
 * BIGINT without precision loss). A signature that is not hex (never stored: only verified
 * signatures are remembered) is hashed instead, so any string still maps to a key.
 */
function signaturePrefix(signature: string): string {
  const hex = /^[0-9a-fA-F]{16}/.test(signature)
    ? signature.slice(0, 16)
    : createHash('sha256').update(signature).digest('hex').slice(0, 16);
  return BigInt.asIntN(64, BigInt(`0x${hex}`)).toString();
}

/** A leaky bucket's shape: `limit` hits fill it, and it drains `limit` hits per `windowMs`. */
export interface Bucket {
  limit: number;
  windowMs: number;
}

/** A bucket's level is kept in thousandths of a hit, so its drain is exact in integers. */
const MILLI = 1000;

/**
 * One upsert, so replicas sharing the database agree without locks. The row keeps the
 * level in `count` (thousandths) and the time of its last hit plus the window in
 * `expires_at`; the level drains `limit` per window since then, never below 0, and never
 * rises above `limit + 1` (a refused client hammering on is not locked out for longer than a
 * client that stopped). Unlike a fixed window, no window edge lets 2 × limit through in a
 * moment: over any span of t ms at most `limit + limit·t/windowMs` hits fit. A negative `by`
 * (a refund) at an earlier nowMs never moves the last hit back.
 */
export async function leakHit(
  db: Db,
  kind: DialectKind,
  key: string,
  b: Bucket,
  nowMs: number,
  by = 1,
): Promise<number> {
  const int = Math.trunc;
  const rows = await LEAK_HIT.rows(db, kind, [
    key,
    int(Math.max(0, by * MILLI)),
    int(nowMs + b.windowMs),
    int(nowMs),
    int(b.windowMs),
    int(b.limit * MILLI),
    int(by * MILLI),
    int((b.limit + 1) * MILLI),
  ]);
  return Number(rows[0]?.count ?? 0) / MILLI;
}
type LeakHitParams = [
  key: string,
  firstLevel: number,
  expiresAt: number,
  now: number,
  windowMs: number,
  drainPerWindow: number,
  added: number,
  cap: number,
];
// Every rate-limited request runs it: compiled once (see HotStatement). Each number is bound
// as a BIGINT (CAST), so PostgreSQL computes in 64 bits whatever the parameter's inferred type.
const LEAK_HIT = new HotStatement<LeakHitParams, { count: number }>('leakHit', (db, p) =>
  db
    .insertInto('rate_counters')
    .values((eb) => ({
      key: p(0),
      count: eb.cast<number>(eb.val(p(1)), 'bigint'),
      expires_at: eb.cast<number>(eb.val(p(2)), 'bigint'),
    }))
    .onConflict((oc) =>
      oc.column('key').doUpdateSet((eb) => {
        const big = (i: 3 | 4 | 5 | 6 | 7) => eb.cast<number>(eb.val(p(i)), 'bigint');
        const zero = eb.lit(0);
        const count = eb.ref('rate_counters.count');
        const now = big(3);
        // The last hit's time; the time since (never negative); what drained meanwhile.
        const last = eb.parens(eb.ref('rate_counters.expires_at'), '-', big(4));
        const elapsed = eb.parens(
          eb
            .case()
            .when(now, '>', last)
            .then(eb(now, '-', last))
            .else(zero)
            .end(),
        );
        const leak = eb.parens(eb(elapsed, '*', big(5)), '/', big(4));
        const next = eb.parens(
          eb.parens(
            eb
              .case()
              .when(count, '>', leak)
              .then(eb(count, '-', leak))
              .else(zero)
              .end(),
          ),
          '+',
          big(6),
        );
        return {
          count: eb.case().when(next, '>', big(7)).then(big(7)).when(next, '<', zero).then(zero).else(next).end(),
          expires_at: eb
            .case()
            .when('excluded.expires_at', '>', eb.ref('rate_counters.expires_at'))
            .then(eb.ref('excluded.expires_at'))
            .else(eb.ref('rate_counters.expires_at'))
            .end(),
        };
      }),
    )
    .returning('count'),
);

/** Hot path: every join reads one. */
export async function leakLevel(db: Db, kind: DialectKind, key: string, b: Bucket, nowMs: number): Promise<number> {
  const [row] = await LEAK_LEVEL.rows(db, kind, [key]);
  if (!row) return 0;
  const elapsed = Math.max(0, nowMs - (Number(row.expires_at) - b.windowMs));
  return Math.max(0, Number(row.count) - Math.floor((elapsed * b.limit * MILLI) / b.windowMs)) / MILLI;
}

const LEAK_LEVEL = new HotStatement<[key: string], { count: number; expires_at: number }>('leakLevel', (db, p) =>
  db.selectFrom('rate_counters').select(['count', 'expires_at']).where('key', '=', p(0)),
);

/** Rows one purge statement deletes at most (about a millisecond of work on SQLite). */
export const PURGE_BATCH_ROWS = 1000;

/**
 * Deletes what expired at or before nowMs, in statements of about PURGE_BATCH_ROWS rows with
 * `between()` awaited after each (the caller lets the event loop run there): one DELETE of
 * a minute's worth of replay keys (tens of thousands under heavy heartbeat load) would hold
 * a synchronous driver for tens of milliseconds. Returns how many rows went.
 */
export async function purgeExpired(
  db: Db,
  nowMs: number,
  between: () => Promise<void> = async () => {},
): Promise<number> {
  let deleted = 0;
  for (const table of ['replay_keys', 'rate_counters', 'idempotency_keys'] as const) {
    for (;;) {
      // The expiry of the batch's last row (by the expires_at index); none: the rest fits one batch.
      const edge = await db
        .selectFrom(table)
        .select('expires_at')
        .where('expires_at', '<=', nowMs)
        .orderBy('expires_at')
        .limit(1)
        .offset(PURGE_BATCH_ROWS - 1)
        .executeTakeFirst();
      const upTo = edge ? Number(edge.expires_at) : nowMs;
      const r = await db.deleteFrom(table).where('expires_at', '<=', upTo).executeTakeFirst();
      deleted += Number(r.numDeletedRows);
      if (!edge) break;
      await between();
    }
  }
  return deleted;
}

export async function getMeta(db: Db, key: string): Promise<string | null> {
  const row = await db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
  return row?.value ?? null;
}

/** One upsert whose no-op update makes RETURNING report the value already stored. */
export async function setMetaIfAbsent(db: Db, key: string, value: string): Promise<string> {
  const row = await db
    .insertInto('meta')
    .values({ key, value })
    .onConflict((oc) => oc.column('key').doUpdateSet((eb) => ({ value: eb.ref('meta.value') })))
    .returning('value')
    .executeTakeFirstOrThrow();
  return row.value;
}

export async function replaceIdempotencyKey(
  db: Kysely<Database>,
  key: string,
  oldSessionId: string,
  newSessionId: string,
  nowMs: number,
  expiresAtMs: number,
): Promise<boolean> {
  const res = await db
    .updateTable('idempotency_keys')
    .set({ session_id: newSessionId, created_at: nowMs, expires_at: expiresAtMs })
    .where('key', '=', key)
    .where('session_id', '=', oldSessionId)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}
