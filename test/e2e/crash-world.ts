import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../helpers/processes.js';
import { startCloud, type CloudUnderTest, type ProviderName } from './crash-cloud.js';
import { CrashDriver, type CrashDriverOptions } from './crash-driver.js';
import { DoProxy } from './crash-proxy.js';
import { CrashableService } from './crash-service.js';
import { StoreView } from './crash-store-view.js';

export const CRASH_TAG = 'crash-test';
export const CRASH_KEY = 'crash-test-hmac-key';

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function orchestratorEnv(cloud: CloudUnderTest, apiUrl: string, dbFile: string, extra: Record<string, string>) {
  return {
    ...cloud.env(apiUrl, { owner: CRASH_TAG, settleMs: 100, retryBaseMs: 20, retryMaxMs: 200, timeoutMs: 5000 }),
    READINESS: 'address',
    DB_PATH: dbFile,
    INTERNAL_HMAC_SECRET: CRASH_KEY,
    LOG_LEVEL: 'info',
    RECONCILE_INTERVAL_S: '1',
    ORPHAN_GRACE_S: '2.5',
    POOL_MIN_READY: '2',
    MAX_SERVERS: '15',
    // Sessions end only when the driver ends them; pool servers are not heartbeated by the driver.
    SESSION_IDLE_TIMEOUT_S: '3600',
    HEARTBEAT_PERIOD_S: '60',
    HEARTBEAT_FAILURE_THRESHOLD: '10',
    START_TIMEOUT_S: '20',
    START_POLL_MS: '50',
    BOOT_TIMEOUT_S: '30',
    START_RATE_LIMIT_PER_MIN: '0',
    SESSIONS_PER_ADDRESS: '0',
    // The driver plays game servers with the shared key, as images from before per-server credentials.
    SHARED_KEY_DRIVES_MANAGED: 'true',
    JOIN_FAIL_LIMIT_PER_MIN: '0',
    ...extra,
  };
}

export interface CrashWorld {
  cloud: CloudUnderTest;
  proxy: DoProxy;
  service: CrashableService;
  store: StoreView;
  driver: CrashDriver;
}

export interface CrashWorldOptions {
  provider: ProviderName;
  seed: number;
  random: () => number;
  /** Pushed in order; the test runs them in reverse. */
  cleanups: (() => Promise<void> | void)[];
  /** Orchestrator settings over the harness's. */
  env?: Record<string, string>;
  processGroup?: boolean;
  driver?: Partial<CrashDriverOptions>;
}

/** The emulated cloud, the proxy in front of it, the orchestrator process, a view of its database, the driver. */
export async function crashWorld(o: CrashWorldOptions): Promise<CrashWorld> {
  const dir = mkdtempSync(path.join(tmpdir(), 'orch-crash-'));
  o.cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  // Besides the kills, the cloud itself is ambiguous: a tenth of creates make the machine and
  // lose the answer, and lists lag new machines (longer than the create settle, so a lost
  // create is sometimes made twice and the reconciler must delete the spare).
  const cloud = await startCloud(o.provider, {
    bootDelayMs: 500,
    seed: o.seed,
    machineLimit: 60,
    faults: { lostCreateRate: 0.1, listLagMs: 400 },
  });
  o.cleanups.push(() => cloud.close());
  const proxy = new DoProxy({ upstreamUrl: cloud.url, holdMs: 80, random: o.random });
  await proxy.listen();
  o.cleanups.push(() => proxy.close());
  const dbFile = path.join(dir, 'orchestrator.db');
  const env = orchestratorEnv(cloud, proxy.url, dbFile, o.env ?? {});
  const service = new CrashableService(env, await freePort(), { processGroup: o.processGroup });
  o.cleanups.push(() => service.stop());
  await service.start();
  const store = new StoreView(dbFile);
  o.cleanups.push(() => store.close());
  const driver = new CrashDriver({
    baseUrl: service.url,
    hmacKey: CRASH_KEY,
    random: o.random,
    keepMax: 5,
    keepRate: 0.2,
    resendRate: 0.2,
    endAfterMs: [300, 2500],
    heartbeatEveryMs: 1200,
    retryEveryMs: 100,
    ...o.driver,
  });
  return { cloud, proxy, service, store, driver };
}
