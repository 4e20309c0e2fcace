import { describe, expect, it } from 'vitest';
import { runCostSimulation } from '../../bench/cost-sim.js';
import type { PlannedSession } from '../../bench/cost-workload.js';

const REGIONS = ['sgp1', 'ams3', 'nyc3'];

/** Two short games per region, the first ones while each region's pool is warm, the others after. */
const workload: PlannedSession[] = REGIONS.flatMap((region, i) => [
  { arriveAtS: 10 + i, lengthS: 60, players: 2, region },
  { arriveAtS: 200 + i, lengthS: 60, players: 1, region },
]).sort((a, b) => a.arriveAtS - b.arriveAtS);

describe('the cost simulation in several regions (the follow-the-sun day)', () => {
  it('starts each session in its own region, a pool in each, and sums every region up', async () => {
    const r = await runCostSimulation({
      recycle: true,
      workload,
      policy: 'fixed',
      targetInstant: 0.95,
      poolMinReady: 1,
      maxServers: 20,
      bootDelayMs: 45_000,
      reconcileEveryS: 10,
      heartbeatEveryS: 30,
      warmupS: 60,
      windowS: 400,
      seed: 1,
      regions: {
        names: REGIONS,
        quiet: {
          sgp1: [{ fromS: 0, toS: 100 }],
          ams3: [],
          nyc3: [
            { fromS: 300, toS: 400 },
            { fromS: 0, toS: 5 },
          ],
        },
      },
    });
    expect(r.failedReasons ?? []).toEqual([]);
    expect(r.failed).toBe(0);
    expect(r.misplaced).toBe(0);
    expect(r.regions?.map((x) => [x.region, x.starts])).toEqual(REGIONS.map((x) => [x, 2]));
    for (const x of r.regions ?? []) {
      // A pool of one in each region: the first start there is instant; its game is billed there.
      expect(x.instant).toBeGreaterThanOrEqual(1);
      expect(x.playedSessionS).toBeGreaterThanOrEqual(120);
      expect(x.billedDropletS).toBeGreaterThan(x.playedSessionS);
    }
    expect(r.regions?.map((x) => x.quietS)).toEqual([100, 0, 105]);
  }, 60_000);
});
