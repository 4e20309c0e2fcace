import type { Logger } from 'pino';
import { EventKind, type FleetEvent } from '../domain/events.js';

const QUIET_EVENTS: ReadonlySet<string> = new Set([EventKind.ServerStateChanged]);

/** One log line per event, after commit (never inside a transaction that may run twice). */
export function logEvents(log: Logger, events: readonly FleetEvent[]): void {
  for (const e of events) {
    const line = {
      event: e.kind,
      eventId: e.id,
      serverId: e.serverId ?? undefined,
      sessionId: e.sessionId ?? undefined,
      ...e.data,
    };
    if (QUIET_EVENTS.has(e.kind)) log.debug(line, e.kind);
    else if (e.kind === EventKind.OutageGuardOn || e.kind === EventKind.OrphanDeleted) log.warn(line, e.kind);
    else log.info(line, e.kind);
  }
}
