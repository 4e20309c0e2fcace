import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { Server } from '../../src/domain/server.js';
import type { Store } from '../../src/store/store.js';

/** Servers and sessions in every state, sorted: equal snapshots mean nothing changed. */
export async function snapshot(store: Store): Promise<string> {
  const servers = (await store.listServers()).sort((a, b) => a.id.localeCompare(b.id));
  const sessions = (await store.listSessions(['pending', 'active', 'ended'])).sort((a, b) => a.id.localeCompare(b.id));
  return JSON.stringify({ servers, sessions });
}

/**
 * A snapshot once the fleet has stopped moving: launches of earlier starts (real local
 * processes) still change rows for a while, and their commits land a loop turn after the
 * request that began them. Two equal snapshots 100 ms apart, waited for at most 5 s.
 */
export async function quietSnapshot(store: Store): Promise<string> {
  let last = await snapshot(store);
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    const now = await snapshot(store);
    if (now === last) return now;
    last = now;
  }
  return last;
}

/** Minimal view of an inject/fetch answer. */
export interface Answer {
  statusCode: number;
  headers: Record<string, unknown>;
  payload: string;
}

/**
 * The reason a 4xx gives: `{"detail": …}` with something in it (the original's error shape),
 * Fastify's own `{"message": …}` (URL-level errors; see the shape test in limits.test.ts),
 * the /v1 API's `{"error": {"code", "message"}}`, or a non-empty text body (the CORS
 * preflight refusal). Null when there is none.
 */
export function reasonOf(r: Answer): string | null {
  const type = String(r.headers['content-type'] ?? '');
  if (!type.startsWith('application/json')) return r.payload.trim() ? r.payload : null;
  let parsed: { detail?: unknown; message?: unknown; error?: { code?: unknown; message?: unknown } };
  try {
    parsed = JSON.parse(r.payload) as typeof parsed;
  } catch {
    return null;
  }
  const { detail, message, error } = parsed;
  if (typeof error?.code === 'string' && typeof error.message === 'string' && error.message.trim())
    return error.message;
  if (typeof detail === 'string' && detail.trim()) return detail;
  if (Array.isArray(detail) && detail.length > 0) return JSON.stringify(detail);
  return typeof message === 'string' && message.trim() ? message : null;
}

/** The original's error shape: `{"detail": "…"}` or `{"detail": [ … ]}`, nothing else. */
export function hasDetailShape(r: Answer): boolean {
  try {
    const o = JSON.parse(r.payload) as Record<string, unknown>;
    const keys = Object.keys(o);
    return keys.length === 1 && keys[0] === 'detail' && (typeof o.detail === 'string' || Array.isArray(o.detail));
  } catch {
    return false;
  }
}

/** Property names an attack would plant on Object.prototype. */
const PLANTED = ['x', 'y', 'polluted', 'isAdmin', 'droplet_ip', 'connected_clients', 'game_tag', 'detail', 'toString_'];

/** Fails when anything was added to (or replaced on) Object.prototype or Array.prototype. */
export function expectNoPrototypePollution(): void {
  const probe: Record<string, unknown> = {};
  for (const k of PLANTED) expect(probe[k], `Object.prototype.${k}`).toBeUndefined();
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(ORIGINAL_OBJECT_PROTO);
  expect(Object.getOwnPropertyNames(Array.prototype).sort()).toEqual(ORIGINAL_ARRAY_PROTO);
}
const ORIGINAL_OBJECT_PROTO = Object.getOwnPropertyNames(Object.prototype).sort();
const ORIGINAL_ARRAY_PROTO = Object.getOwnPropertyNames(Array.prototype).sort();

/** An external ready server row, as a signed heartbeat from `ip` registers it. */
export function readyExternal(ip: string, nowMs: number): Server {
  return {
    id: randomUUID(),
    state: 'ready',
    origin: 'external',
    region: 'local',
    providerId: null,
    ip,
    port: null,
    players: 0,
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
    stateChangedAtMs: nowMs,
    readyAtMs: nowMs,
    lastHeartbeatAtMs: nowMs,
    reason: null,
  };
}

/** Inserts `n` ready external servers (198.18.x.y) so starts are answered at once. */
export async function fillPool(store: Store, n: number, nowMs = Date.now()): Promise<void> {
  await store.transaction(async (tx) => {
    for (let i = 0; i < n; i++) await tx.insertServer(readyExternal(`198.18.${i >> 8}.${i & 255}`, nowMs));
  });
}

/** `depth` nested arrays: `[[[…]]]`. */
export const deepArray = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
/** `depth` nested objects: `{"a":{"a":…1}}`. */
export const deepObject = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
