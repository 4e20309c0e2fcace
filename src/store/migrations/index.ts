import type { Migration, MigrationProvider } from 'kysely';
import { FALLBACK_DEFAULT_REGION } from '../../domain/region.js';
import type { DialectKind } from '../db-schema.js';
import { initialMigration } from './0001-initial.js';
import { replayKeysMigration } from './0002-replay-keys.js';
import { eventsAndLeasesMigration } from './0003-events-and-leases.js';
import { v1SessionsMigration } from './0004-v1-sessions.js';
import { webhooksMigration } from './0006-webhooks.js';
import { liveListingIndexesMigration } from './0007-live-listing-indexes.js';
import { sessionHoldersMigration } from './0008-session-holders.js';
import { historyRetentionMigration } from './0009-history-retention.js';
import { eventIdsByTransactionMigration } from './0010-event-ids-by-transaction.js';
import { regionsMigration } from './0011-regions.js';
import { seatsMigration } from './0012-seats.js';
import { lobbiesMigration } from './0014-lobbies.js';
import { placementRequestsMigration } from './0016-placement-requests.js';
import { startIndexEntriesMigration } from './0017-start-index-entries.js';
import { serverSizesMigration } from './0018-server-sizes.js';

/**
 * Every migration, by name, in order. A static list rather than a folder scan, so the
 * compiled build (dist/) and bundlers find them without touching the filesystem. A
 * migration may differ by dialect where PostgreSQL offers more (UNLOGGED tables).
 */
function migrations(kind: DialectKind, defaultRegion: string): Record<string, Migration> {
  return {
    '0001-initial': initialMigration(kind),
    '0002-replay-keys': replayKeysMigration(kind),
    '0003-events-and-leases': eventsAndLeasesMigration(kind),
    '0004-v1-sessions': v1SessionsMigration,
    '0006-webhooks': webhooksMigration(kind),
    '0007-live-listing-indexes': liveListingIndexesMigration,
    '0008-session-holders': sessionHoldersMigration,
    '0009-history-retention': historyRetentionMigration,
    '0010-event-ids-by-transaction': eventIdsByTransactionMigration(kind),
    '0011-regions': regionsMigration(defaultRegion),
    '0012-seats': seatsMigration,
    '0014-lobbies': lobbiesMigration,
    '0016-placement-requests': placementRequestsMigration,
    '0017-start-index-entries': startIndexEntriesMigration(kind),
    '0018-server-sizes': serverSizesMigration,
  };
}

/**
 * Kysely's MigrationProvider over the static list, for one dialect. `defaultRegion`: the region
 * existing rows are backfilled to (migration 0011).
 */
export function staticMigrationProvider(
  kind: DialectKind,
  defaultRegion: string = FALLBACK_DEFAULT_REGION,
): MigrationProvider {
  return { getMigrations: async () => migrations(kind, defaultRegion) };
}
