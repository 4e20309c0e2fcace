import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import type { Faults } from '../../src/emulator/options.js';
import {
  SNAPSHOT_IMAGE_ID,
  startHetznerEmulator,
  type RunningHetznerEmulator,
} from '../../src/emulator/hetzner/index.js';

/** One machine of the emulated cloud as the crash checks read it, whichever cloud it is. */
export interface CloudMachine {
  id: string;
  name: string;
  status: string;
  /** Made by this orchestrator (its tag or its label). */
  owned: boolean;
  /** Created and not yet running. */
  booting: boolean;
  deleted: boolean;
  /** What names the orchestrator's server the machine was made for (DO: the name; Hetzner: the owner label's value). */
  madeFor: string;
}

/**
 * An emulated cloud under the crash harness and the e2e suites: the emulator, what the
 * orchestrator needs to use it (PROVIDER and its settings, owning tag or label `owner`) and
 * its machines. The checks and the chaos read `machines()`, never a cloud's own records, so
 * the same harness runs on DigitalOcean and on Hetzner.
 */
export interface CloudUnderTest {
  provider: 'digitalocean' | 'hetzner';
  url: string;
  machines(): CloudMachine[];
  /** The orchestrator's provider settings for an API at `apiUrl` (the emulator, or a proxy in front of it). */
  env(
    apiUrl: string,
    o: { owner: string; settleMs: number; retryBaseMs: number; retryMaxMs: number; timeoutMs: number },
  ): Record<string, string>;
  requestCounts(): Record<string, number>;
  close(): Promise<void>;
}

export interface CloudOptions {
  bootDelayMs: number;
  seed?: number;
  machineLimit: number;
  /** lostCreateRate, listLagMs, errorRate...: the emulators share the fault keys. */
  faults?: Partial<Faults>;
}

export type ProviderName = CloudUnderTest['provider'];
export const CLOUDS: readonly ProviderName[] = ['digitalocean', 'hetzner'];

export async function startCloud(provider: ProviderName, o: CloudOptions): Promise<CloudUnderTest> {
  return provider === 'digitalocean' ? digitalOcean(o) : hetzner(o);
}

async function digitalOcean(o: CloudOptions): Promise<CloudUnderTest & { emu: RunningEmulator }> {
  const emu = await startEmulator({
    bootDelayMs: o.bootDelayMs,
    seed: o.seed,
    dropletLimit: o.machineLimit,
    rateLimitPerHour: 1_000_000,
    burstPerMinute: 100_000,
    faults: o.faults,
    logger: false,
  });
  let owner = '';
  return {
    provider: 'digitalocean',
    emu,
    url: emu.url,
    machines: () =>
      emu.droplets().map((d) => ({
        id: String(d.id),
        name: d.name,
        status: d.status,
        owned: owner !== '' && d.tags.includes(owner),
        booting: d.status === 'new',
        deleted: d.deletedAtMs !== null,
        madeFor: d.name,
      })),
    env: (apiUrl, e) => {
      owner = e.owner;
      return {
        PROVIDER: 'digitalocean',
        DO_API_URL: apiUrl,
        DIGITALOCEAN_TOKEN: 'dop_v1_crash',
        SNAPSHOT_ID: '7555620',
        DROPLET_TAG: e.owner,
        DO_CREATE_SETTLE_MS: String(e.settleMs),
        DO_RETRY_BASE_MS: String(e.retryBaseMs),
        DO_RETRY_MAX_MS: String(e.retryMaxMs),
        DO_REQUEST_TIMEOUT_MS: String(e.timeoutMs),
      };
    },
    requestCounts: () => emu.requestCounts(),
    close: () => emu.close(),
  };
}

async function hetzner(o: CloudOptions): Promise<CloudUnderTest & { emu: RunningHetznerEmulator }> {
  const emu = await startHetznerEmulator({
    bootDelayMs: o.bootDelayMs,
    seed: o.seed,
    serverLimit: o.machineLimit,
    rateLimitPerHour: 1_000_000,
    faults: o.faults,
    logger: false,
  });
  let owner = '';
  return {
    provider: 'hetzner',
    emu,
    url: emu.url,
    machines: () =>
      emu.servers().map((s) => ({
        id: String(s.id),
        name: s.name,
        status: s.status,
        owned: owner !== '' && s.labels[owner] !== undefined,
        booting: s.status === 'initializing',
        deleted: s.deletedAtMs !== null,
        madeFor: s.labels[owner] ?? s.name,
      })),
    env: (apiUrl, e) => {
      owner = e.owner;
      return {
        PROVIDER: 'hetzner',
        HCLOUD_API_URL: apiUrl,
        HCLOUD_TOKEN: 'hcloud-crash-token',
        HCLOUD_IMAGE: String(SNAPSHOT_IMAGE_ID),
        HCLOUD_LABEL: e.owner,
        HCLOUD_CREATE_SETTLE_MS: String(e.settleMs),
        HCLOUD_RETRY_BASE_MS: String(e.retryBaseMs),
        HCLOUD_RETRY_MAX_MS: String(e.retryMaxMs),
        HCLOUD_REQUEST_TIMEOUT_MS: String(e.timeoutMs),
      };
    },
    requestCounts: () => emu.requestCounts(),
    close: () => emu.close(),
  };
}
