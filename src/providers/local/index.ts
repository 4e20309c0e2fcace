import path from 'node:path';
import type { Reader } from '../../config-reader.js';
import { FREE_BILLING } from '../../domain/billing-rule.js';
import { PACKAGE_ROOT } from '../../package-root.js';
import type { ProviderContext, ProviderModule } from '../provider-module.js';
import { safeChildEnv } from './child-env.js';
import { LOCAL_DEFAULT_REGION, LocalProvider } from './local-provider.js';

/** PROVIDER=local: game servers as child processes on this machine's loopback addresses. */
export interface LocalSettings {
  command: string;
  /** Game port on every local server's own loopback address (clients know only the address); 0 = any free port. */
  gamePort: number;
  stopGraceMs: number;
  heartbeatIntervalMs: number;
  emptyShutdownMs: number;
  /** The safe part of our environment (PATH, HOME, locale…) handed to game servers. */
  parentEnv: Readonly<Record<string, string>>;
}

function readSettings(r: Reader): LocalSettings {
  return {
    command: r.str('GAME_SERVER_COMMAND', defaultGameServerCommand()),
    gamePort: r.int('LOCAL_GAME_PORT', 7777, 0, 65535),
    stopGraceMs: r.int('LOCAL_STOP_GRACE_MS', 5000, 0, 600_000),
    heartbeatIntervalMs: r.int('LOCAL_HEARTBEAT_INTERVAL_MS', 5000, 10, 3_600_000),
    emptyShutdownMs: r.int('LOCAL_EMPTY_SHUTDOWN_MS', 30_000, 0, 86_400_000),
    parentEnv: safeChildEnv(r.env),
  };
}

/** The sample game server, run by the Node that runs us. */
function defaultGameServerCommand(): string {
  return `${JSON.stringify(process.execPath)} ${JSON.stringify(path.join(PACKAGE_ROOT, 'examples/game-server/server.mjs'))}`;
}

function create(s: LocalSettings, { clock, logger, onChange, regions }: ProviderContext): LocalProvider {
  return new LocalProvider({
    regions,
    command: s.command,
    gamePort: s.gamePort,
    stopGraceMs: s.stopGraceMs,
    env: { HEARTBEAT_INTERVAL_MS: String(s.heartbeatIntervalMs), EMPTY_SHUTDOWN_MS: String(s.emptyShutdownMs) },
    parentEnv: s.parentEnv,
    logger: logger.child({ component: 'local-provider' }),
    // A game server that exits on its own: look at once rather than at the next interval.
    onExit: () => onChange(),
    clock,
  });
}

export const localProvider = {
  name: 'local',
  defaults: { bootTimeoutS: 60, bootEstimateS: 2 },
  billing: FREE_BILLING,
  readSettings,
  create,
  // Without REGIONS, one region named `local`; with REGIONS, the first listed.
  defaultRegion: (_s: LocalSettings, listed: readonly string[]) => listed[0] ?? LOCAL_DEFAULT_REGION,
} as const satisfies ProviderModule<'local', LocalSettings>;
