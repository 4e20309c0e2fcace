import type { FleetEvent } from '../domain/events.js';

/** An event as the API, the SSE stream and webhooks show it. */
export interface EventJson {
  id: number;
  kind: string;
  /** ISO-8601 UTC. */
  at: string;
  atMs: number;
  serverId: string | null;
  sessionId: string | null;
  data: FleetEvent['data'];
}

export function eventJson(e: FleetEvent): EventJson {
  return {
    id: e.id,
    kind: e.kind,
    at: new Date(e.atMs).toISOString(),
    atMs: e.atMs,
    serverId: e.serverId,
    sessionId: e.sessionId,
    data: e.data,
  };
}

/** `session.*` matches every session event; a plain kind matches itself. */
export function kindMatcher(kinds: readonly string[] | null): (kind: string) => boolean {
  if (!kinds) return () => true;
  const exact = new Set(kinds.filter((k) => !k.endsWith('.*')));
  const prefixes = kinds.filter((k) => k.endsWith('.*')).map((k) => k.slice(0, -1));
  return (kind) => exact.has(kind) || prefixes.some((p) => kind.startsWith(p));
}
