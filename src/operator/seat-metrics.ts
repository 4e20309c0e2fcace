import { Counter, type Registry } from 'prom-client';
import { EventKind, type FleetEvent } from '../domain/events.js';

const CHANGES: Partial<Record<EventKind, string>> = {
  [EventKind.SeatReserved]: 'reserved',
  [EventKind.SeatTaken]: 'taken',
  [EventKind.SeatLeft]: 'left',
  [EventKind.SeatFreed]: 'freed',
};

/**
 * Seat counters (issue 24), moved from the outbox like the other counters:
 * orchestrator_seat_changes_total{change} (reserved, reserved_again: a reconnect or repeated
 * join, taken, left, freed) and orchestrator_seats_freed_total{reason} (not_taken_up, grace_over).
 */
export class SeatMetrics {
  private readonly changes: Counter<'change'>;
  private readonly freed: Counter<'reason'>;

  constructor(registry: Registry, prefix: string) {
    this.changes = new Counter({
      name: `${prefix}seat_changes_total`,
      help: 'Seat changes: reserved (a join), reserved_again (a reconnect), taken, left, freed.',
      labelNames: ['change'],
      registers: [registry],
    });
    this.freed = new Counter({
      name: `${prefix}seats_freed_total`,
      help: 'Seats freed, by reason: not_taken_up (SEAT_TTL_S), grace_over (RECONNECT_GRACE_S).',
      labelNames: ['reason'],
      registers: [registry],
    });
  }

  onEvent(e: FleetEvent): void {
    const change = CHANGES[e.kind];
    if (!change) return;
    this.changes.inc({ change: change === 'reserved' && e.data.again === true ? 'reserved_again' : change });
    if (e.kind === EventKind.SeatFreed) this.freed.inc({ reason: String(e.data.reason ?? 'unknown') });
  }
}
