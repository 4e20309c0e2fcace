import pino from 'pino';
import { loadConfig } from '../src/config.js';
import { startEmulator, type RunningEmulator } from '../src/emulator/index.js';
import { createOrchestrator, type Orchestrator } from '../src/orchestrator.js';
import { DigitalOceanProvider } from '../src/providers/digitalocean/digitalocean-provider.js';
import { FakeClock } from '../src/util/clock.js';
import type { BillingRule } from '../src/domain/billing-rule.js';
import { CostGameServers } from './cost-game-servers.js';
import { SettlingProvider } from './cost-provider.js';
import { summarise, summariseRegions, type CostRunResult, type StartRecord } from './cost-results.js';
import type { PlannedSession } from './cost-workload.js';

export type { CostRunResult } from './cost-results.js';

export interface CostRunOptions {
  recycle: boolean;
  workload: readonly PlannedSession[];
  /** POOL_POLICY: fixed keeps poolMinReady idle; forecast sizes the pool for targetInstant. */
  policy: 'fixed' | 'forecast';
  targetInstant: number;
  poolMinReady: number;
  maxServers: number;
  bootDelayMs: number;
  /** A reconcile pass every this many emulated seconds (the loop itself is off; the script drives it). */
  reconcileEveryS: number;
  /** Game servers heartbeat this often (emulated seconds), the first time as soon as they have booted. */
  heartbeatEveryS: number;
  /** Emulated seconds before the first arrival, so the warm pool is warm. */
  warmupS: number;
  /** The measured window: windowS seconds from measureFromS after the warm-up (steady traffic, no warm-up, no tail). */
  windowS: number;
  measureFromS?: number;
  /** Quiet hours, seconds into the arrival window: idle droplet-seconds there are reported. */
  quiet?: { fromS: number; toS: number } | null;
  seed: number;
  /** Print the pool's forecast once an emulated minute (stderr). */
  trace?: boolean;
  /**
   * Bill by this rule instead of DigitalOcean's per-second one (the pool is told the rule too),
   * and whether the pool keeps idle servers whose billing unit is paid (POOL_BILLING_AWARE).
   */
  billing?: { rule: BillingRule; aware: boolean };
  /**
   * A fleet in several regions (the follow-the-sun day): REGIONS in this order, the first the
   * default (DROPLET_REGION); each region's pool is the policy's (fixed: poolMinReady idle in
   * every region, POOL_MIN_READY and REGION_POOL_MIN_READY; forecast: each region's own
   * forecast); each session starts with its workload region (POST /v1/sessions' `region`);
   * `quiet`: each region's quiet hours, seconds into the arrival window. Absent: one region.
   */
  regions?: {
    names: readonly string[];
    quiet: Readonly<Record<string, readonly { fromS: number; toS: number }[]>>;
  };
}

/** A start of the simulation, with the region it asked for and the one its server is in. */
type SimStart = StartRecord & { region: string; servedIn: string | null };

/**
 * An emulated hour of sessions against the orchestrator on the DigitalOcean emulator, on one
 * FakeClock stepped 1 s at a time: clients start sessions at their arrival times, the script
 * plays every droplet's game server (heartbeats with players, an end when the game is over)
 * and runs a reconcile pass every few seconds. Real HTTP between provider and emulator; every
 * call settles before the clock moves.
 */
export async function runCostSimulation(o: CostRunOptions): Promise<CostRunResult> {
  const realStart = performance.now();
  const clock = new FakeClock(Date.UTC(2026, 0, 5, 18, 0, 0));
  const emu = await startEmulator({
    clock,
    bootDelayMs: o.bootDelayMs,
    seed: o.seed,
    dropletLimit: 1000,
    logger: false,
  });
  const { orch, provider } = await orchestratorOn(emu, clock, o);
  const game = new CostGameServers(orch.sessions.reports, emu, clock, o.heartbeatEveryS);
  const starts: SimStart[] = [];
  const t0 = clock.now();
  let next = 0;
  let lastEndMs: number | null = null;
  /** Requests the emulator has counted, after each emulated second. */
  const apiTotals: number[] = [];
  const countApi = () => Object.values(emu.requestCounts()).reduce((a, b) => a + b, 0);
  try {
    for (let s = 0; ; s++) {
      for (; next < o.workload.length && o.workload[next]!.arriveAtS + o.warmupS <= s; next++) {
        starts.push(startSession(orch, clock, game, o.workload[next]!));
      }
      await game.step();
      if (s % o.reconcileEveryS === 0) {
        await orch.reconciler.runPass();
        if (o.trace && s % 60 === 0) trace(s, orch, starts);
      }
      await provider.settle();
      const allDone =
        next === o.workload.length && starts.every((x) => x.answeredAtMs !== null || x.failed) && game.running() === 0;
      lastEndMs ??= allDone ? clock.now() : null;
      // A minute past the last end, so its teardown and the pool's trim are billed as they happen.
      if (lastEndMs !== null && clock.now() - lastEndMs >= 60_000) break;
      clock.advance(1000);
      await provider.settle();
      apiTotals.push(countApi());
    }
    const from = o.warmupS + (o.measureFromS ?? 0);
    const hour = { startMs: t0 + from * 1000, endMs: t0 + (from + o.windowS) * 1000 };
    const quiet = o.quiet
      ? { startMs: t0 + (o.warmupS + o.quiet.fromS) * 1000, endMs: t0 + (o.warmupS + o.quiet.toS) * 1000 }
      : null;
    const result = summarise({
      recycle: o.recycle,
      droplets: emu.droplets(),
      starts,
      played: game.played,
      endErrors: game.endErrors,
      endMs: clock.now(),
      t0,
      hour,
      quiet,
      apiTotals,
      realMs: performance.now() - realStart,
      billing: o.billing?.rule,
    });
    if (!o.regions) return result;
    const at = (s: number) => t0 + (o.warmupS + s) * 1000;
    const regions = summariseRegions({
      regions: o.regions.names,
      droplets: emu.droplets(),
      starts,
      games: game.playedIn,
      endMs: clock.now(),
      quiet: Object.fromEntries(
        Object.entries(o.regions.quiet).map(([r, ws]) => [
          r,
          ws.map((w) => ({ startMs: at(w.fromS), endMs: at(w.toS) })),
        ]),
      ),
    });
    // A session answered from a server in another region than it asked for (placement ignored).
    const misplaced = starts.filter((x) => x.servedIn !== null && x.servedIn !== x.region).length;
    const failedReasons = [...new Set(starts.flatMap((x) => (x.failed ? [x.failed] : [])))];
    return { ...result, regions, misplaced, ...(failedReasons.length ? { failedReasons } : {}) };
  } finally {
    await orch.close();
    await emu.close();
  }
}

async function orchestratorOn(
  emu: RunningEmulator,
  clock: FakeClock,
  o: CostRunOptions,
): Promise<{ orch: Orchestrator; provider: SettlingProvider }> {
  const r = o.regions?.names ?? [];
  const others = r.slice(1).map((name) => `${name}=${o.poolMinReady}`);
  const regional = {
    // A public image in the regional runs: every region has it (the snapshot is only in nyc2 and nyc3).
    ...(r.length
      ? {
          REGIONS: r.join(','),
          DROPLET_REGION: r[0]!,
          REGION_POOL_MIN_READY: others.join(','),
          SNAPSHOT_ID: 'ubuntu-24-04-x64',
        }
      : {}),
  };
  const loaded = loadConfig({
    PROVIDER: 'digitalocean',
    DIGITALOCEAN_TOKEN: 'dop_v1_cost_bench',
    SNAPSHOT_ID: '7555620',
    ...regional,
    DO_API_URL: emu.url,
    DB_PATH: ':memory:',
    LOG_LEVEL: 'silent',
    POOL_MIN_READY: String(o.poolMinReady),
    POOL_POLICY: o.policy,
    POOL_TARGET_INSTANT: String(o.targetInstant),
    MAX_SERVERS: String(o.maxServers),
    MAX_CREATES_PER_PASS: '50',
    RECYCLE_SERVERS: String(o.recycle),
    START_TIMEOUT_S: '900',
    START_POLL_MS: '1000',
    INTERNAL_HMAC_SECRET: 'cost-bench',
  });
  // Another cloud's billing rule on the DigitalOcean emulator's machines (the pool reads it from config.pool).
  const config = o.billing
    ? {
        ...loaded,
        pool: { ...loaded.pool, billing: { ...loaded.pool.billing, rule: o.billing.rule, aware: o.billing.aware } },
      }
    : loaded;
  const logger = pino({ level: 'silent' });
  const d = config.digitalocean;
  const provider = new SettlingProvider(
    new DigitalOceanProvider({
      token: d.token ?? '',
      apiUrl: d.apiUrl,
      tag: d.tag,
      size: d.size,
      image: d.image ?? '',
      requestTimeoutMs: d.requestTimeoutMs,
      maxRetries: d.maxRetries,
      clock,
      logger,
    }),
  );
  const orch = await createOrchestrator(config, { clock, reconcile: false, provider, logger });
  return { orch, provider };
}

function startSession(orch: Orchestrator, clock: FakeClock, game: CostGameServers, planned: PlannedSession): SimStart {
  const rec: SimStart = {
    requestedAtMs: clock.now(),
    answeredAtMs: null,
    reused: false,
    failed: null,
    region: planned.region ?? '',
    servedIn: null,
  };
  // A region of its own: started as POST /v1/sessions with `region` starts it (placed there or refused).
  const req = planned.region ? { placement: { region: planned.region } } : {};
  orch.sessions.start.startAndWait(req).then(
    (r) => {
      rec.answeredAtMs = clock.now();
      rec.reused = r.reused;
      rec.servedIn = r.server.region;
      game.play(r.server.id, r.server.ip ?? '', planned, r.server.region);
    },
    (err: Error) => {
      rec.failed = err.message;
    },
  );
  return rec;
}

/** --trace: one line a minute with the pool's forecast and the starts that waited so far. */
function trace(s: number, orch: Orchestrator, starts: readonly StartRecord[]): void {
  const f = orch.reconciler.status().pool.forecast;
  const waited = starts.filter((x) => x.answeredAtMs !== null && !x.reused).length;
  const line = f
    ? `rate ${(f.forecastRatePerS * 60).toFixed(2)}/min boot ${f.bootS}(${f.bootSamples}) ret ${f.expectedReturns.toFixed(1)} target ${f.target} keep ${f.keep} [${f.limitedBy}]`
    : 'fixed';
  console.error(`t=${s} starts=${starts.length} waited=${waited} ${line}`);
}
