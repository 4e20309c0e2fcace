import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database, DialectKind } from './db-schema.js';
import { HotStatement } from './hot-statement.js';

/*
 * The small shared tables: idempotency keys, the replay cache, rate counters and meta.
 * Every write is one upsert (never a caught unique violation, which on PostgreSQL would
 * abort the caller's transaction), so replicas sharing the database agree without locks.
 */

/** A Kysely instance or a transaction over the store's tables. */
type Db = Kysely<Database>;

export async function getIdempotentSession(db: Db, key: string, nowMs: number): Promise<string | null> {
  const row = await db
    .selectFrom('idempotency_keys')
    .select('session_id')
    .where('key', '=', key)
    .where('expires_at', '>', nowMs)
    .executeTakeFirst();
  return row?.session_id ?? null;
}

/**
 * One statement that both binds and reads: a new key is inserted; an existing unexpired key
 * keeps its session (the no-op update makes RETURNING report it); an expired one is replaced.
 */
export async function putIdempotencyKey(
  db: Db,
  key: string,
  sessionId: string,
  nowMs: number,
  expiresAtMs: number,
): Promise<string> {
  const expired = sql`idempotency_keys.expires_at <= ${nowMs}`;
  const { rows } = await sql<{
    session_id: string;
  }>`INSERT INTO idempotency_keys (key, session_id, created_at, expires_at)
    VALUES (${key}, ${sessionId}, ${nowMs}, ${expiresAtMs})
    ON CONFLICT (key) DO UPDATE SET
      session_id = CASE WHEN ${expired} THEN excluded.session_id ELSE idempotency_keys.session_id END,
      created_at = CASE WHEN ${expired} THEN excluded.created_at ELSE idempotency_keys.created_at END,
      expires_at = CASE WHEN ${expired} THEN excluded.expires_at ELSE idempotency_keys.expires_at END
    RETURNING session_id`.execute(db);
  const row = rows[0];
  if (!row) throw new Error('idempotency key upsert returned no row');
  return row.session_id;
}

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

const big = (n: number) => sql<number>`CAST(${Math.trunc(n)} AS bigint)`;

/**
 * Adds `by` hits to the key's leaky bucket at nowMs and returns its level (in hits) after
 * that: one upsert, so replicas sharing the database agree without locks. The row keeps the
 * level in `count` (thousandths) and the time of its last hit plus the window in
 * `expires_at`; the level drains `limit` per window since then, never below 0, and never
 * rises above `limit + 1` (a refused client hammering on is not locked out for longer than a
 * client that stopped). Unlike a fixed window, no window edge lets 2 × limit through in a
 * moment: over any span of t ms at most `limit + limit·t/windowMs` hits fit. A negative `by`
 * (a refund) at an earlier nowMs never moves the last hit back.
 */
export async function leakHit(db: Db, key: string, b: Bucket, nowMs: number, by = 1): Promise<number> {
  const now = big(nowMs);
  const last = sql`(rate_counters.expires_at - ${big(b.windowMs)})`;
  const elapsed = sql`(CASE WHEN ${now} > ${last} THEN ${now} - ${last} ELSE 0 END)`;
  const leak = sql`(${elapsed} * ${big(b.limit * MILLI)} / ${big(b.windowMs)})`;
  const next = sql`((CASE WHEN rate_counters.count > ${leak} THEN rate_counters.count - ${leak} ELSE 0 END) + ${big(by * MILLI)})`;
  const cap = big((b.limit + 1) * MILLI);
  const { rows } = await sql<{ count: number }>`INSERT INTO rate_counters (key, count, expires_at)
    VALUES (${key}, ${big(Math.max(0, by * MILLI))}, ${big(nowMs + b.windowMs)})
    ON CONFLICT (key) DO UPDATE SET
      count = CASE WHEN ${next} > ${cap} THEN ${cap} WHEN ${next} < 0 THEN 0 ELSE ${next} END,
      expires_at = CASE WHEN excluded.expires_at > rate_counters.expires_at
        THEN excluded.expires_at ELSE rate_counters.expires_at END
    RETURNING count`.execute(db);
  return Number(rows[0]?.count ?? 0) / MILLI;
}

/** The key's bucket level (in hits) at nowMs, without changing it. */
export async function leakLevel(db: Db, key: string, b: Bucket, nowMs: number): Promise<number> {
  const row = await db
    .selectFrom('rate_counters')
    .select(['count', 'expires_at'])
    .where('key', '=', key)
    .executeTakeFirst();
  if (!row) return 0;
  const elapsed = Math.max(0, nowMs - (Number(row.expires_at) - b.windowMs));
  return Math.max(0, Number(row.count) - Math.floor((elapsed * b.limit * MILLI) / b.windowMs)) / MILLI;
}

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
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: sql<string>`meta.value` }))
    .returning('value')
    .executeTakeFirstOrThrow();
  return row.value;
}

/**
 * Points a key at a new session, only if it still names `oldSessionId` (a retry whose
 * session ended before it was given a server starts over under the same key).
 */
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
