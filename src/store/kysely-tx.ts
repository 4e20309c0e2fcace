import { sql, type Kysely } from 'kysely';
import type { FleetEvent, NewEvent } from '../domain/events.js';
import type { Seat } from '../domain/seat.js';
import type { Database, DialectKind } from './db-schema.js';
import * as events from './event-queries.js';
import { KyselyVerbs } from './kysely-verbs.js';
import { CAPACITY_LOCK_CLASS, HOLDER_LOCK_CLASS, MODE_LOCK_CLASS, schemaKey } from './pg-lock-keys.js';
import { reserveSeatRows, type SeatReservation } from './seat-reserve-queries.js';
import type { Tx } from './store.js';

/** One body's handle on an open transaction (or, on SQLite, its savepoint in a group commit). */
export class KyselyTx extends KyselyVerbs implements Tx {
  /** Events recorded by this body, written as its last statement. */
  private recorded: NewEvent[] = [];

  constructor(trx: Kysely<Database>, kind: DialectKind) {
    super(trx, kind);
  }

  async lockCapacity(): Promise<void> {
    // SQLite: nothing to do. The single better-sqlite3 connection runs one transaction at a
    // time, so capacity decisions are already serial.
    // Capacity decisions serialise on this lock, per schema (pg-lock-keys.ts).
    if (this.kind === 'postgres') await this.xactLock(CAPACITY_LOCK_CLASS);
  }

  async lockHolder(holder: string): Promise<void> {
    if (this.kind === 'postgres') await this.xactLock(HOLDER_LOCK_CLASS, holder);
  }

  async lockMode(mode: string): Promise<void> {
    if (this.kind === 'postgres') await this.xactLock(MODE_LOCK_CLASS, mode);
  }

  /** pg_advisory_xact_lock(lockClass, schemaKey(and)): held until the transaction ends. */
  private async xactLock(lockClass: number, and?: string): Promise<void> {
    await this.db
      .selectNoFrom((eb) => eb.fn<void>('pg_advisory_xact_lock', [sql.lit(lockClass), schemaKey(eb, and)]).as('locked'))
      .execute();
  }

  /** SQLite, in a group commit job: the player's held seat renewed, or a new seat and its count (seat-reserve-queries.ts). */
  reserveSeatRows(r: SeatReservation): Promise<{ isPublic: boolean; held?: Seat } | null> {
    return reserveSeatRows(this.db, r);
  }

  recordEvent(event: NewEvent): void {
    this.recorded.push(event);
  }

  /** Writes what the body recorded (the body's last statement); returns the events with their ids. */
  async flushEvents(): Promise<FleetEvent[]> {
    const recorded = this.recorded;
    this.recorded = [];
    return events.insertEvents(this.db, this.kind, recorded);
  }
}
