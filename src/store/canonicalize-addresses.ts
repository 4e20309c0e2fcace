import type { Kysely } from 'kysely';
import { canonicalIp } from '../domain/ip-address.js';

// Runs inside a migration, which sees the database as it was then, not as db-schema.ts says.
type AnyDb = Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** States under servers_active_ip_uq (migration 0001): one row per address among these. */
const UNIQUE_IP_STATES = new Set(['creating', 'starting', 'ready', 'allocated']);

/** What canonicalizeStoredAddresses did. */
export interface CanonicalizeResult {
  /** Rows whose address was rewritten in its canonical spelling. */
  updated: number;
  /**
   * Ids of live rows left as they were because another live row already holds the canonical
   * address (the same machine registered twice under two spellings); an operator decides.
   */
  conflicts: string[];
}

/**
 * Rewrites every stored server address in its canonical spelling (see canonicalIp), for a
 * migration to call once: rows written before addresses were normalised may hold
 * `2001:DB8::1` or `::ffff:127.0.0.3`. Addresses that are no IP (the original stored any
 * string) are left as they are. Run it inside the migration's transaction.
 */
export async function canonicalizeStoredAddresses(db: AnyDb): Promise<CanonicalizeResult> {
  const rows = (await db
    .selectFrom('servers')
    .select(['id', 'ip', 'state'])
    .where('ip', 'is not', null)
    .orderBy('id')
    .execute()) as {
    id: string;
    ip: string;
    state: string;
  }[];
  const heldBy = new Map<string, string>();
  for (const r of rows) if (UNIQUE_IP_STATES.has(r.state)) heldBy.set(r.ip, r.id);
  const result: CanonicalizeResult = { updated: 0, conflicts: [] };
  for (const r of rows) {
    const canonical = canonicalIp(r.ip);
    if (canonical === null || canonical === r.ip) continue;
    if (UNIQUE_IP_STATES.has(r.state)) {
      const holder = heldBy.get(canonical);
      if (holder !== undefined && holder !== r.id) {
        result.conflicts.push(r.id);
        continue;
      }
      heldBy.delete(r.ip);
      heldBy.set(canonical, r.id);
    }
    await db.updateTable('servers').set({ ip: canonical }).where('id', '=', r.id).execute();
    result.updated++;
  }
  return result;
}
