import { parseArgs } from 'node:util';
import { MIGRATED_TABLES, MigrateDataError, migrateData } from './store/migrate-data.js';

const USAGE = 'usage: game-orchestrator migrate-data --from <sqlite file> --to <postgres url> [--force]';

/**
 * `game-orchestrator migrate-data`: SQLite → PostgreSQL. Returns the exit code: 0 done and
 * verified, 1 refused or failed (nothing changed), 2 bad usage. The URL (it holds a password)
 * is never printed.
 */
export async function runMigrateDataCli(
  args: string[],
  out: (line: string) => void,
  err: (line: string) => void,
  nowMs = Date.now(),
): Promise<number> {
  let values: { from?: string; to?: string; force?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: { from: { type: 'string' }, to: { type: 'string' }, force: { type: 'boolean' } },
      strict: true,
    }));
  } catch (e) {
    err(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (!values.from || !values.to) {
    err(USAGE);
    return 2;
  }
  try {
    const r = await migrateData({ from: values.from, to: values.to, force: values.force ?? false, nowMs });
    if (r.replaced > 0) out(`replaced ${r.replaced} rows the target held (--force)`);
    for (const t of MIGRATED_TABLES) {
      const left = r.expired[t] ? ` (${r.expired[t]} expired, left behind)` : '';
      out(`${t}: ${r.copied[t]}${left}`);
    }
    out('counts verified in the target; start the service with DATABASE_URL set to it');
    return 0;
  } catch (e) {
    if (e instanceof MigrateDataError) {
      err(`migrate-data: ${e.message}`);
      return e.message.startsWith('--') ? 2 : 1;
    }
    // A driver error may quote the connection string; print only its message, without URLs.
    err(
      `migrate-data failed, nothing was changed: ${String((e as Error)?.message ?? e).replace(/postgres(ql)?:\/\/\S+/g, '<url>')}`,
    );
    return 1;
  }
}
