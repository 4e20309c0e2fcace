/**
 * DigitalOcean API v2 emulator (digitalocean-api.md §11): droplets, droplet actions, actions,
 * tags, regions, sizes, images, snapshots and account, in memory, with rate limits and faults.
 *
 * Control API (no auth, not counted, never faulted):
 *   GET  /_emulator/faults            current faults     PUT /_emulator/faults  merge {…Faults}
 *   GET  /_emulator/state             {nowMs, droplets (deleted too), tags, faults, requestCounts, deletes}
 *   GET  /_emulator/requests          counts per "METHOD /v2/route/{param}"; DELETE clears them
 *   POST /_emulator/reset             empty account, start faults, counts and limits cleared
 *
 * Boot and action delays run on the injected clock: with a FakeClock, droplets only turn
 * active when the test advances it. Slow responses (slowMs) use real timers.
 */
import type { FastifyInstance } from 'fastify';
import { buildEmulator } from './app.js';
import type { DeleteStats } from './delete-watch.js';
import type { EmulatorOptions, Faults } from './options.js';
import type { EmulatedDroplet } from './state/records.js';

export type { DeleteSeen, DeleteStats } from './delete-watch.js';
export type { EmulatorOptions, Faults } from './options.js';
export type { EmulatedDroplet } from './state/records.js';

/** A listening emulator and the handles tests use to steer and inspect it. */
export interface RunningEmulator {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:41234. */
  url: string;
  /** Merges a partial fault setting (throws on an unknown key or out-of-range value). */
  setFaults(f: Partial<Faults>): void;
  /** Every droplet ever created, deleted ones included (with `deletedAtMs`). */
  droplets(): EmulatedDroplet[];
  /** `/v2` requests per method and route, e.g. `{"POST /v2/droplets": 3, "GET /v2/droplets/{droplet_id}": 7}`. */
  requestCounts(): Record<string, number>;
  resetCounts(): void;
  /** Droplet deletes received, those not answered yet, and what each did (204 deleted, 404 gone). */
  deletes(): DeleteStats;
  /** Back to an empty account with the start faults (same as POST /_emulator/reset). */
  reset(): void;
  close(): Promise<void>;
}

/**
 * The emulator's Fastify app, for `app.inject()` tests. Control routes live under
 * `/_emulator` (faults, state, requests, reset).
 */
export function buildEmulatorApp(opts: EmulatorOptions = {}): FastifyInstance {
  return buildEmulator(opts).app;
}

/** Builds the emulator and listens on `opts.host` (127.0.0.1) and `opts.port` (0 = any free port). */
export async function startEmulator(opts: EmulatorOptions = {}): Promise<RunningEmulator> {
  const { app, core } = buildEmulator(opts);
  const host = opts.host ?? '127.0.0.1';
  await app.listen({ port: opts.port ?? 0, host });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('emulator is not listening on TCP');
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${hostInUrl}:${address.port}`,
    setFaults: (f) => void core.setFaults(f),
    droplets: () => core.droplets(),
    requestCounts: () => core.requestCounts(),
    resetCounts: () => core.resetCounts(),
    deletes: () => core.deleteStats(),
    reset: () => core.reset(),
    close: () => app.close(),
  };
}
