import { randomUUID } from 'node:crypto';

/**
 * A time-ordered UUID (version 7, RFC 9562): 48 bits of milliseconds since the epoch, then 74
 * random bits (randomUUID's, so still unguessable).
 *
 * Why not v4 for row ids: an index on a random key takes each insert on a random page, and a
 * commit writes every page it touched. A warm start inserts a session (its id) naming a server
 * (its id, in the one-live-session-per-server index): with v4 ids those were two random pages
 * per start, each a 4 KiB WAL write; ids that grow with time land on the same last page.
 */
export function timeOrderedId(nowMs: number): string {
  const v4 = randomUUID();
  const t = Math.max(0, Math.min(Math.floor(nowMs), 0xffff_ffff_ffff))
    .toString(16)
    .padStart(12, '0');
  // xxxxxxxx-xxxx-4xxx-…: the first 12 hex digits become the time, the version digit a 7.
  return `${t.slice(0, 8)}-${t.slice(8)}-7${v4.slice(15)}`;
}
