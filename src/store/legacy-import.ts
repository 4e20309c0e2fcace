import { randomUUID } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { FALLBACK_DEFAULT_REGION } from '../domain/region.js';
import type { Server } from '../domain/server.js';
import type { Session } from '../domain/session.js';
import { cleanLegacyRow, type CleanLegacyRow, type LegacyDropletRow } from './legacy-rows.js';
import type { Store, Tx } from './store.js';

export type { LegacyDropletRow } from './legacy-rows.js';

/** What an import did. Skipped rows: already imported (address live), code taken, or no address. */
export interface LegacyImportResult {
  servers: number;
  sessions: number;
  skipped: number;
}

/** The original service's table. */
export const LEGACY_TABLE = 'game_droplets';

/** importLegacyRowsIn() in a transaction of its own. */
export function importLegacyRows(
  store: Store,
  rows: readonly LegacyDropletRow[],
  nowMs: number,
  region?: string,
): Promise<LegacyImportResult> {
  return store.transaction((tx) => importLegacyRowsIn(tx, rows, nowMs, region));
}

/**
 * Imports the original service's game_droplets rows, in the caller's transaction: each row
 * becomes a server (digitalocean when it names a droplet, else external); a row with a share
 * tag becomes an allocated server with an active session under that code, one without an idle
 * ready server. Idempotent: a row whose address already has a live server is skipped. The
 * original made every droplet in DROPLET_REGION: `region` is the default region.
 */
export async function importLegacyRowsIn(
  tx: Tx,
  rows: readonly LegacyDropletRow[],
  nowMs: number,
  region: string = FALLBACK_DEFAULT_REGION,
): Promise<LegacyImportResult> {
  const result: LegacyImportResult = { servers: 0, sessions: 0, skipped: 0 };
  for (const raw of rows) {
    const row = cleanLegacyRow(raw);
    if (!row || (await tx.findActiveServerByIp(row.ip)) || (row.code && (await tx.findLiveSessionByCode(row.code)))) {
      result.skipped++;
      continue;
    }
    const server = legacyServer(row, nowMs, region);
    await tx.insertServer(server);
    result.servers++;
    if (row.code) {
      // Checked free above, inside this transaction; a false here is a concurrent writer.
      if (!(await tx.insertSession(legacySession(row, row.code, server.id, nowMs, region)))) {
        throw new Error(`share code of legacy row ${row.ip} was taken during the import`);
      }
      result.sessions++;
    }
  }
  return result;
}

/** Reads game_droplets from an SQLite file of the original service and imports it. */
export async function importLegacyFile(
  store: Store,
  filePath: string,
  nowMs: number,
  region?: string,
): Promise<LegacyImportResult> {
  return importLegacyRows(store, await readLegacyFile(filePath), nowMs, region);
}

/** The rows of game_droplets in an original femquest.db (opened read-only). */
async function readLegacyFile(filePath: string): Promise<LegacyDropletRow[]> {
  const database = new BetterSqlite3(filePath, { readonly: true, fileMustExist: true });
  const db = new Kysely<LegacyTables>({ dialect: new SqliteDialect({ database }) });
  try {
    if (!(await hasLegacyTable(db))) throw new Error(`${filePath} has no ${LEGACY_TABLE} table`);
    return await readLegacyTable(db);
  } finally {
    await db.destroy();
  }
}

/** An SQLite file of the original service as Kysely sees it: SQLite's catalog and its one table. */
export type LegacyTables = {
  sqlite_master: { type: string; name: string };
  game_droplets: LegacyDropletRow;
};

/** Whether this SQLite database has the original service's table. */
export async function hasLegacyTable(db: Pick<Kysely<LegacyTables>, 'selectFrom'>): Promise<boolean> {
  const table = await db
    .selectFrom('sqlite_master')
    .select('name')
    .where('type', '=', 'table')
    .where('name', '=', LEGACY_TABLE)
    .executeTakeFirst();
  return table !== undefined;
}

/** Every row of the original service's table. */
export function readLegacyTable(db: Pick<Kysely<LegacyTables>, 'selectFrom'>): Promise<LegacyDropletRow[]> {
  return db.selectFrom(LEGACY_TABLE).selectAll().execute();
}

function legacyServer(row: CleanLegacyRow, nowMs: number, region: string): Server {
  return {
    id: randomUUID(),
    state: row.code ? 'allocated' : 'ready',
    origin: row.dropletId ? 'digitalocean' : 'external',
    region,
    providerId: row.dropletId,
    ip: row.ip,
    port: null,
    players: row.players,
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
    stateChangedAtMs: nowMs,
    readyAtMs: row.lastHeartbeatAtMs ?? nowMs,
    // A row never heard from gets one heartbeat period from the import, not an instant death.
    lastHeartbeatAtMs: row.lastHeartbeatAtMs ?? nowMs,
    reason: null,
  };
}

function legacySession(row: CleanLegacyRow, code: string, serverId: string, nowMs: number, region: string): Session {
  return {
    id: randomUUID(),
    code,
    state: 'active',
    serverId,
    createdAtMs: nowMs,
    activatedAtMs: nowMs,
    endedAtMs: null,
    endReason: null,
    // The idle clock starts at the import, so moving over does not end every game at once.
    lastPlayedAtMs: nowMs,
    coldStart: row.fresh,
    region,
    placement: null,
  };
}
