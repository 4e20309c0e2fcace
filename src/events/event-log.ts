import type { Logger } from 'pino';
import { EventKind, type FleetEvent } from '../domain/events.js';

const QUIET_EVENTS: ReadonlySet<string> = new Set([EventKind.ServerStateChanged]);

/**
 * One log line per event, after commit (never inside a transaction that may run twice). Fields
 * without a value are left out, not printed as `reason=null`.
 */
export function logEvents(log: Logger, events: readonly FleetEvent[]): void {
  for (const e of events) {
    const line: Record<string, unknown> = { event: e.kind, eventId: e.id };
    if (e.serverId) line.serverId = e.serverId;
    if (e.sessionId) line.sessionId = e.sessionId;
    for (const [k, v] of Object.entries(e.data)) if (v !== null && v !== undefined) line[k] = v;
    if (QUIET_EVENTS.has(e.kind)) log.debug(line, e.kind);
    else if (e.kind === EventKind.OutageGuardOn || e.kind === EventKind.OrphanDeleted) log.warn(line, e.kind);
    else log.info(line, e.kind);
  }
}
