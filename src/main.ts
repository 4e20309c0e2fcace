import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createOrchestrator } from './orchestrator.js';
import { lockSqliteFile } from './startup/sqlite-instance-lock.js';
import { explainDatabaseStart, explainListen } from './startup/startup-errors.js';
import { createLogger } from './util/create-logger.js';
import { VERSION } from './version.js';

const HELP = `game-orchestrator <command>

Commands:
  serve                 run the service (default)
  migrate               apply database migrations and exit
  import <femquest.db>  import servers and share codes from the original service's database
  migrate-data --from <sqlite file> --to <postgres url> [--force]
                        move servers, sessions, codes and valid keys from SQLite to PostgreSQL
  doctor                check the cloud settings (DigitalOcean: token, snapshot, region, size, droplet limit;
                        Hetzner: token, location, server type, image)
  do-emulator [flags]   run the DigitalOcean API emulator (--port, --boot-delay-ms, fault flags; see --help)
  hcloud-emulator [flags]  run the Hetzner Cloud API emulator (the same flags; see --help)
  sessions|servers|pool|events
                        operator commands against a running orchestrator (see below)
  help                  show this text
  --version             print the version (package.json's; /docs, /v1/status and the image label show the same)

Settings come from the environment and a .env file; see docs/configuration.md.`;

async function main(argv: string[]): Promise<number> {
  const [command = 'serve', ...rest] = argv;
  switch (command) {
    case 'serve':
      return serve(config({ warn: false }));
    case 'migrate': {
      const { migrateDatabase } = await import('./store/create-db.js');
      const applied = await migrateDatabase(config().db);
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
      return 0;
    }
    case 'import':
      return importLegacy(rest);
    case 'migrate-data': {
      const { runMigrateDataCli } = await import('./migrate-data-cli.js');
      return runMigrateDataCli(
        rest,
        (l) => console.log(l),
        (l) => console.error(l),
      );
    }
    case 'doctor': {
      const { runConfiguredDoctor } = await import('./doctor/cli.js');
      return runConfiguredDoctor(config(), (line) => console.log(line));
    }
    case 'do-emulator': {
      const { runEmulatorCli } = await import('./emulator/cli.js');
      await runEmulatorCli(rest);
      return -1; // keeps running until a signal
    }
    case 'hcloud-emulator': {
      const { runHetznerEmulatorCli } = await import('./emulator/hetzner/cli.js');
      await runHetznerEmulatorCli(rest);
      return -1; // keeps running until a signal
    }
    case 'sessions':
    case 'servers':
    case 'pool':
    case 'events': {
      const { runAdminCli } = await import('./cli/admin-cli.js');
      const c = config();
      return runAdminCli(command, rest, {
        url: c.publicUrl,
        token: c.adminToken,
        out: (l) => console.log(l),
        err: (l) => console.error(l),
      });
    }
    case '--version':
    case '-v':
    case 'version':
      console.log(VERSION);
      return 0;
    case 'help':
    case '--help':
    case '-h': {
      const { ADMIN_HELP } = await import('./cli/admin-cli.js');
      console.log(`${HELP}\n\n${ADMIN_HELP}`);
      return 0;
    }
    default:
      console.error(`unknown command: ${command}\n\n${HELP}`);
      return 2;
  }
}

/** Settings for this command; warnings go to stderr here, except `serve`, which logs them. */
function config(opts: { warn: boolean } = { warn: true }): Readonly<Config> {
  try {
    const cfg = loadConfig();
    if (opts.warn) for (const warning of cfg.warnings) console.error(`warning: ${warning}`);
    return cfg;
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
}

async function serve(cfg: Readonly<Config>): Promise<number> {
  const logger = createLogger(cfg);
  for (const warning of cfg.warnings) logger.warn({}, warning);
  lockSqliteFile(cfg.db);
  const orch = await explainDatabaseStart(cfg.db, () => createOrchestrator(cfg, { logger }));
  const { app } = orch;
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing requests, stopping game servers, closing the database');
    const force = setTimeout(
      () => {
        logger.error('graceful shutdown timed out; exiting');
        process.exit(1);
      },
      cfg.limits.shutdownGraceMs + cfg.local.stopGraceMs + 5000,
    );
    force.unref();
    orch.close().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  await explainListen(cfg, () => app.listen({ host: cfg.host, port: cfg.port }));
  logger.info({ provider: cfg.provider, db: cfg.db.kind, url: cfg.publicUrl }, 'game-orchestrator is serving');
  return -1;
}

async function importLegacy(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true });
  const file = positionals[0];
  if (!file) {
    console.error('usage: game-orchestrator import <path to the original femquest.db>');
    return 2;
  }
  const { createStore } = await import('./store/create-db.js');
  const { importLegacyFile } = await import('./store/legacy-import.js');
  const store = await createStore(config().db);
  try {
    const r = await importLegacyFile(store, file, Date.now(), config().db.defaultRegion);
    console.log(`imported ${r.servers} servers and ${r.sessions} sessions (${r.skipped} already present)`);
    return 0;
  } finally {
    await store.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
