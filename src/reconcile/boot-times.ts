import { ServerState, type Server } from '../domain/server.js';
import { ROWS_PER_STEP, runToEnd, type Steps } from './steps.js';

/**
 * Boot times measured by watching the rows the reconciler loads each pass: a server of ours
 * seen creating or starting (or made since the last look) and then seen ready or allocated
 * booted in readyAtMs − createdAtMs. (A recycled server's readyAtMs is its last release, so
 * rows that were already up at an earlier look are not counted.) Kept in memory by the replica that reconciles: after a restart or a failover the
 * forecast uses POOL_BOOT_ESTIMATE_S until the next boot is seen. Each sample keeps its region:
 * a region's forecast plans with its own boots (the orchestrator makes every server with one size).
 */
export class BootTimes {
  /** Server id → createdAtMs, for rows seen booting. */
  private readonly booting = new Map<string, number>();
  /** [measuredAtMs, seconds, region], oldest first. */
  private samples: [number, number, string][] = [];
  /** Live rows of ours at the last look, and when that was. */
  private seen = new Set<string>();
  private lastLookMs: number | null = null;

  constructor(private readonly maxSamples = 500) {}

  observe(servers: readonly Server[], nowMs: number): void {
    runToEnd(this.observeSteps(servers, nowMs));
  }

  /** observe() in steps of ROWS_PER_STEP rows, for a pass that lets the event loop run between them. */
  *observeSteps(servers: readonly Server[], nowMs: number): Steps<void> {
    const live = new Set<string>();
    let n = 0;
    for (const s of servers) {
      if (++n % ROWS_PER_STEP === 0) yield;
      if (s.origin === 'external') continue;
      live.add(s.id);
      // Made since the last look and already up: it booted in between (never released yet).
      const newSince = this.lastLookMs !== null && !this.seen.has(s.id) && s.createdAtMs >= this.lastLookMs;
      if (s.state === ServerState.Creating || s.state === ServerState.Starting) {
        this.booting.set(s.id, s.createdAtMs);
      } else if (this.booting.has(s.id) || newSince) {
        this.booting.delete(s.id);
        if (
          (s.state === ServerState.Ready || s.state === ServerState.Allocated) &&
          s.readyAtMs !== null &&
          s.readyAtMs >= s.createdAtMs
        ) {
          this.samples.push([nowMs, (s.readyAtMs - s.createdAtMs) / 1000, s.region]);
        }
      }
    }
    for (const id of this.booting.keys()) if (!live.has(id)) this.booting.delete(id);
    this.seen = live;
    this.lastLookMs = nowMs;
    if (this.samples.length > this.maxSamples) this.samples = this.samples.slice(-this.maxSamples);
  }

  /** Boots measured within the last windowS, seconds (of servers made in `region`; absent: any). */
  recent(nowMs: number, windowS: number, region?: string): number[] {
    return this.samples
      .filter(([at, , r]) => nowMs - at <= windowS * 1000 && (region === undefined || r === region))
      .map(([, s]) => s);
  }
}
