import { canonicalIp } from '../domain/ip-address.js';
import { normalizeShareCode } from '../domain/share-code.js';

/**
 * One row of the original Python service's `game_droplets` table, as SQLite returns it.
 * Column types were loose there (SQLite), so every field is read defensively.
 */
export interface LegacyDropletRow {
  ipv4: unknown;
  connected_clients?: unknown;
  fresh_game?: unknown;
  /** ISO datetime text (naive = UTC) or epoch seconds (REAL/INTEGER, or numeric text). */
  last_heartbeat?: unknown;
  droplet_id?: unknown;
  share_tag?: unknown;
}

/** A legacy row cleaned up: what the importer turns into a server (and maybe a session). */
export interface CleanLegacyRow {
  ip: string;
  players: number;
  fresh: boolean;
  lastHeartbeatAtMs: number | null;
  dropletId: string | null;
  code: string | null;
}

/** Cleans one row; null when it cannot become a server (no address). */
export function cleanLegacyRow(row: LegacyDropletRow): CleanLegacyRow | null {
  const raw = typeof row.ipv4 === 'string' ? row.ipv4.trim() : '';
  if (!raw) return null;
  // The original stored any string as an address: keep one that is no address as it was.
  const ip = canonicalIp(raw) ?? raw;
  const players = Number(row.connected_clients);
  const dropletId = legacyDropletId(row.droplet_id);
  const code = typeof row.share_tag === 'string' ? normalizeShareCode(row.share_tag) : null;
  return {
    ip,
    players: Number.isFinite(players) && players > 0 ? Math.trunc(players) : 0,
    fresh: parseLegacyBool(row.fresh_game),
    lastHeartbeatAtMs: parseLegacyTime(row.last_heartbeat),
    dropletId,
    code: code || null,
  };
}

/**
 * The droplet a row names, or null for none: the original's column defaults to 0, and rows
 * registered by heartbeat (servers it did not make) keep that 0, so 0 or empty means "no
 * droplet" (an external server), never a DigitalOcean droplet with id "0".
 */
export function legacyDropletId(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const text = String(v).trim();
  if (text === '' || (/^[+-]?\d+(\.\d+)?$/.test(text) && Number(text) === 0)) return null;
  return text;
}

/** 0/1, true/false, or text such as 'true'/'1' (SQLite kept whatever Python wrote). */
export function parseLegacyBool(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return Number(v) !== 0;
  if (typeof v === 'string') return ['1', 'true', 't', 'yes'].includes(v.trim().toLowerCase());
  return false;
}

/**
 * Epoch ms from the original's last_heartbeat: epoch seconds (number or numeric text), or an
 * ISO datetime. A datetime without a zone is UTC: Python's utcnow().isoformat() and SQLite's
 * CURRENT_TIMESTAMP both write naive UTC. Null when absent or unreadable.
 */
export function parseLegacyTime(v: unknown): number | null {
  if (typeof v === 'number' || typeof v === 'bigint') return secondsToMs(Number(v));
  if (typeof v !== 'string' || v.trim() === '') return null;
  const text = v.trim();
  if (/^-?\d+(\.\d+)?$/.test(text)) return secondsToMs(Number(text));
  let iso = text.replace(' ', 'T').replace(/(\.\d{3})\d+/, '$1');
  if (iso.includes('T') && !/(Z|[+-]\d{2}:?\d{2})$/i.test(iso)) iso += 'Z';
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}

function secondsToMs(s: number): number | null {
  return Number.isFinite(s) ? Math.round(s * 1000) : null;
}
