import type { Kysely, Selectable } from 'kysely';
import type { AttemptFailure, DeadLetter, WebhookLedger, WebhookTargetState } from '../webhooks/webhook-ledger.js';
import type { Database, WebhookDeadLetterRow, WebhookTargetRow } from './db-schema.js';

type Db = Kysely<Database>;

/** Longest error text kept per attempt. */
const MAX_ERROR_CHARS = 300;

/** The webhook ledger over Kysely, for SQLite and PostgreSQL alike (migration 0006). */
export class KyselyWebhookLedger implements WebhookLedger {
  constructor(private readonly db: Db) {}

  async ensureTarget(id: string, urlHint: string, startCursor: number): Promise<void> {
    await this.db
      .insertInto('webhook_targets')
      .values({
        id,
        url_hint: urlHint,
        cursor: startCursor,
        attempts: 0,
        next_attempt_at: 0,
        delivered: 0,
        failed_attempts: 0,
        dead: 0,
        last_status: null,
        last_error: null,
        last_attempt_at: null,
        last_success_at: null,
        owner: null,
        lease_until: 0,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }

  async claim(id: string, owner: string, nowMs: number, untilMs: number): Promise<WebhookTargetState | null> {
    const row = await this.db
      .updateTable('webhook_targets')
      .set({ owner, lease_until: untilMs })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('owner', '=', owner), eb('owner', 'is', null), eb('lease_until', '<', nowMs)]))
      .returningAll()
      .executeTakeFirst();
    return row ? toTarget(row) : null;
  }

  async delivered(id: string, owner: string, eventId: number, nowMs: number, status: number): Promise<boolean> {
    const r = await this.db
      .updateTable('webhook_targets')
      .set((eb) => ({
        cursor: eventId,
        attempts: 0,
        next_attempt_at: 0,
        delivered: eb('delivered', '+', 1),
        last_status: status,
        last_error: null,
        last_attempt_at: nowMs,
        last_success_at: nowMs,
      }))
      .where('id', '=', id)
      .where('owner', '=', owner)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async skipTo(id: string, owner: string, eventId: number): Promise<boolean> {
    const r = await this.db
      .updateTable('webhook_targets')
      .set({ cursor: eventId, attempts: 0, next_attempt_at: 0 })
      .where('id', '=', id)
      .where('owner', '=', owner)
      .where('cursor', '<', eventId)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async failed(id: string, owner: string, f: AttemptFailure, nextAttemptAtMs: number): Promise<boolean> {
    const r = await this.db
      .updateTable('webhook_targets')
      .set((eb) => ({
        attempts: eb('attempts', '+', 1),
        failed_attempts: eb('failed_attempts', '+', 1),
        next_attempt_at: nextAttemptAtMs,
        last_status: f.status,
        last_error: f.error.slice(0, MAX_ERROR_CHARS),
        last_attempt_at: f.nowMs,
      }))
      .where('id', '=', id)
      .where('owner', '=', owner)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async deadLetter(id: string, owner: string, l: Omit<DeadLetter, 'id' | 'targetId'>): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const r = await trx
        .updateTable('webhook_targets')
        .set((eb) => ({
          cursor: l.eventId,
          attempts: 0,
          next_attempt_at: 0,
          dead: eb('dead', '+', 1),
          failed_attempts: eb('failed_attempts', '+', 1),
          last_status: l.lastStatus,
          last_error: (l.lastError ?? '').slice(0, MAX_ERROR_CHARS),
          last_attempt_at: l.deadAtMs,
        }))
        .where('id', '=', id)
        .where('owner', '=', owner)
        .where('cursor', '<', l.eventId)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return false;
      await trx
        .insertInto('webhook_dead_letters')
        .values({
          target_id: id,
          event_id: l.eventId,
          kind: l.kind,
          dead_at: l.deadAtMs,
          attempts: l.attempts,
          last_status: l.lastStatus,
          last_error: l.lastError?.slice(0, MAX_ERROR_CHARS) ?? null,
          body: l.body,
        })
        .execute();
      return true;
    });
  }

  async release(id: string, owner: string): Promise<void> {
    await this.db
      .updateTable('webhook_targets')
      .set({ owner: null, lease_until: 0 })
      .where('id', '=', id)
      .where('owner', '=', owner)
      .execute();
  }

  async listTargets(): Promise<WebhookTargetState[]> {
    const rows = await this.db.selectFrom('webhook_targets').selectAll().orderBy('id').execute();
    return rows.map(toTarget);
  }

  async listDeadLetters(limit: number): Promise<DeadLetter[]> {
    const rows = await this.db
      .selectFrom('webhook_dead_letters')
      .selectAll()
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map(toLetter);
  }
}

function num(v: number | string | null): number | null {
  return v === null ? null : Number(v);
}

function toTarget(r: Selectable<WebhookTargetRow>): WebhookTargetState {
  return {
    id: r.id,
    urlHint: r.url_hint,
    cursor: Number(r.cursor),
    attempts: Number(r.attempts),
    nextAttemptAtMs: Number(r.next_attempt_at),
    delivered: Number(r.delivered),
    failedAttempts: Number(r.failed_attempts),
    dead: Number(r.dead),
    lastStatus: num(r.last_status),
    lastError: r.last_error,
    lastAttemptAtMs: num(r.last_attempt_at),
    lastSuccessAtMs: num(r.last_success_at),
  };
}

function toLetter(r: Selectable<WebhookDeadLetterRow>): DeadLetter {
  return {
    id: Number(r.id),
    targetId: r.target_id,
    eventId: Number(r.event_id),
    kind: r.kind,
    deadAtMs: Number(r.dead_at),
    attempts: Number(r.attempts),
    lastStatus: num(r.last_status),
    lastError: r.last_error,
    body: r.body,
  };
}
