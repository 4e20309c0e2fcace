import { rmSync } from 'node:fs';
import path from 'node:path';
import { BLOCK } from './cases.js';
import type { ChildService } from './child-service.js';
import { prepopulate, type OpenStore } from './fixtures.js';
import { createStore } from '../src/store/create-db.js';
import { runLoad } from './load.js';

/** How a claiming run's orchestrator is started: on a given SQLite file, with the bench's settings. */
export type StartOrchestrator = (dbPath: string) => Promise<ChildService>;

/** Seconds of unrecorded starts on a fresh orchestrator before its measured run (JIT). */
export const START_WARM_UP_S = 1;

/**
 * The start cases' world: before each claiming run, an orchestrator of its own on a fresh
 * database that holds a warm pool and nothing else, written through the store before the
 * process starts. The pool is the fastest claim rate seen so far (the 2 s probe, then every
 * start run) × (duration + warm-up) × 1.5: a pool that runs dry turns starts into 2 s waits
 * and 503s.
 *
 * Why fresh: one orchestrator for every start run kept every server the earlier runs claimed
 * (168,000 allocated servers and their sessions by round 2), and each reconcile pass, every
 * 10 s, read that whole world while the start run was measured: side by side, a start run
 * with passes off did 12% more. A real pool is topped up and its sessions end; the claimed
 * leftovers of earlier runs were the bench's, not a studio's.
 */
export class StartWorlds {
  /** Ready servers written in all (probe and runs). */
  prepared = 0;
  /** Fastest starts/s seen (probe or run). */
  fastestPerS = 0;
  probeOkPerS = 0;
  private current: ChildService | null = null;
  private currentDb: string | null = null;
  private made = 0;

  constructor(
    private readonly dir: string,
    private readonly start: StartOrchestrator,
    private readonly connections: number,
    /** The store of the build under test writes its pool (an earlier build knows only its own migrations). */
    private readonly openStore: OpenStore = createStore,
  ) {}

  /** The orchestrator of the current claiming run (null before the probe). */
  get child(): ChildService | null {
    return this.current;
  }

  /** A fresh world with a probe pool, and 2 s of starts on it. */
  async probe(say: (line: string) => void): Promise<number> {
    const probePool = 20_000;
    const child = await this.fresh(probePool);
    const probe = await runLoad({
      url: child.url,
      connections: this.connections,
      durationS: 2,
      request: { method: 'POST', path: '/sessions/start' },
    });
    this.ran(probe.okPerS);
    this.probeOkPerS = probe.okPerS;
    if (probe.ok >= probePool * 0.95)
      say(`warning: the 2 s probe used ${probe.ok} of ${probePool} ready servers; the estimate is low`);
    say(`start probe: ${Math.round(probe.okPerS)} starts/s`);
    return probe.okPerS;
  }

  /**
   * A fresh world for a run of `durationS`, its orchestrator warmed by START_WARM_UP_S of
   * starts (unrecorded): the run measures an optimised service, as the other cases do.
   */
  async forRun(durationS: number, connections: number): Promise<ChildService> {
    const child = await this.fresh(Math.ceil(this.fastestPerS * (durationS + START_WARM_UP_S) * 1.5) + 500);
    await runLoad({
      url: child.url,
      connections,
      durationS: START_WARM_UP_S,
      request: { method: 'POST', path: '/sessions/start' },
    });
    return child;
  }

  /** Records what a run reached. */
  ran(okPerS: number): void {
    this.fastestPerS = Math.max(this.fastestPerS, okPerS);
  }

  async stop(): Promise<void> {
    const c = this.current;
    this.current = null;
    if (c) await c.stop();
    // Its world is not used again: a pool of tens of thousands of rows is tens of MB on disk.
    if (this.currentDb) for (const suffix of ['', '-wal', '-shm']) rmSync(this.currentDb + suffix, { force: true });
    this.currentDb = null;
  }

  private async fresh(readyServers: number): Promise<ChildService> {
    await this.stop();
    const dbPath = path.join(this.dir, `starts-${++this.made}.db`);
    this.currentDb = dbPath;
    await prepopulate(
      dbPath,
      { readyServers, busyServers: 0, busyBlock: BLOCK.busy, readyBlock: BLOCK.ready },
      this.openStore,
    );
    this.prepared += readyServers;
    this.current = await this.start(dbPath);
    return this.current;
  }
}
