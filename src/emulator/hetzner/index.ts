/**
 * Hetzner Cloud API v1 emulator: servers (create with the action model, labels and
 * label_selector, unique names, the project's server limit), actions, locations, server types
 * (prices per location) and images, in memory, with Hetzner's token-bucket rate limit
 * (`RateLimit-*` headers) and the DigitalOcean emulator's faults (drop, 5xx, slow, lost
 * creates, failed boots, list and delete lag, injected 429s).
 *
 * Control API (no auth, not counted, never faulted):
 *   GET/PUT /_emulator/faults   GET /_emulator/state   GET/DELETE /_emulator/requests   POST /_emulator/reset
 */
import type { FastifyInstance } from 'fastify';
import type { Faults } from '../options.js';
import { buildHetznerEmulator } from './app.js';
import type { EmulatedServer } from './core.js';
import type { HetznerEmulatorOptions } from './options.js';

export type { EmulatedServer } from './core.js';
export type { HetznerEmulatorOptions } from './options.js';
export { SNAPSHOT_IMAGE_ID } from './catalogue.js';

export interface RunningHetznerEmulator {
  url: string;
  setFaults(f: Partial<Faults>): void;
  /** Every server ever created, deleted ones included. */
  servers(): EmulatedServer[];
  /** `/v1` requests per "METHOD /v1/route/{param}". */
  requestCounts(): Record<string, number>;
  resetCounts(): void;
  reset(): void;
  close(): Promise<void>;
}

export function buildHetznerEmulatorApp(opts: HetznerEmulatorOptions = {}): FastifyInstance {
  return buildHetznerEmulator(opts).app;
}

export async function startHetznerEmulator(opts: HetznerEmulatorOptions = {}): Promise<RunningHetznerEmulator> {
  const { app, core } = buildHetznerEmulator(opts);
  const host = opts.host ?? '127.0.0.1';
  await app.listen({ port: opts.port ?? 0, host });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('emulator is not listening on TCP');
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    setFaults: (f) => void core.setFaults(f),
    servers: () => core.servers(),
    requestCounts: () => core.requestCounts(),
    resetCounts: () => core.resetCounts(),
    reset: () => core.reset(),
    close: () => app.close(),
  };
}
