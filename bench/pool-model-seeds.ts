import { parseArgs } from 'node:util';
import type { DemandSettings } from '../src/reconcile/demand-forecast.js';
import { spread } from './cost-seeds.js';
import { dayMultiplier } from './cost-workload.js';
import { simulatePool, type PoolSimOptions } from './pool-model-sim.js';

/**
 * `npx tsx bench/pool-model-seeds.ts [--seeds 16] [--oracle]`: the cost bench's steady hour
 * (200 starts/h, measured after 30 min of the same demand) and day (6 h, peak 10x) in the pool
 * model, each policy on every seed: median [range] of instant and billed/played, and on how
 * many seeds a policy meets ≥ 95% instant at ≤ 1.20 (sun: 1.25). sun: the follow-the-sun day, three
 * regions' pools (each the day from its local hour at the start: 16, 8, 0), summed per seed. --oracle plans with the true rate (what
 * a perfect estimate of the rate would buy).
 */
const { values } = parseArgs({
  options: { seeds: { type: 'string', default: '16' }, oracle: { type: 'boolean', default: false } },
});
const FORECAST: Omit<DemandSettings, 'reconcileIntervalS' | 'targetInstant'> = {
  windowS: 1800,
  stepS: 30,
  rateHalfLifeS: 120,
  trendHalfLifeS: 300,
  bootEstimateS: 60,
  maxIdleS: 450,
  idleRateHalfLifeS: 480,
  poolMinReady: 0,
};
const seeds = Array.from({ length: Number(values.seeds) }, (_, i) => i + 1);
const dayS = 6 * 3600;
const shape = dayMultiplier(dayS);
/** A region's day from local hour h0 at second 0 (the cost bench's sun day: sgp1 at 16:00, ams3 08:00, nyc3 00:00). */
const dayFrom = (h0: number) => (t: number) => (120 / 3600) * shape(t + (h0 / 24) * dayS);
// Each scenario is one pool per region; a seed's figures sum its regions.
const scenarios = [
  { name: 'steady', regions: [() => 200 / 3600], durationS: 4 * 3600, measureFromS: 1800, maxRatio: 1.2 },
  { name: 'day', regions: [dayFrom(12)], durationS: dayS, measureFromS: 0, maxRatio: 1.2 },
  { name: 'sun', regions: [dayFrom(16), dayFrom(8), dayFrom(0)], durationS: dayS, measureFromS: 0, maxRatio: 1.25 },
];
const policies: [string, PoolSimOptions['policy']][] = [
  ['fixed 5', { kind: 'fixed', size: 5 }],
  ['fixed 6', { kind: 'fixed', size: 6 }],
  ...[0.9, 0.95, 0.98, 0.99].map((p): [string, PoolSimOptions['policy']] => [
    `forecast ${p}`,
    { kind: 'forecast', settings: { ...FORECAST, targetInstant: p } },
  ]),
];
const pct = (x: number) => (x * 100).toFixed(1);
console.log(`${seeds.length} seeds, 46 s boots, a pass every 10 s, recycling${values.oracle ? ', ORACLE rate' : ''}`);
for (const sc of scenarios) {
  for (const [label, policy] of policies) {
    const rs = seeds.map((seed) => {
      const per = sc.regions.map((rateAt, r) =>
        simulatePool({
          rateAt,
          durationS: sc.durationS,
          measureFromS: sc.measureFromS,
          bootS: 46,
          passS: 10,
          meanLengthS: 600,
          recycle: true,
          policy,
          seed: seed + 1000 * r,
          oracle: values.oracle,
        }),
      );
      const sum = (k: 'starts' | 'instant' | 'billedS' | 'playedS') => per.reduce((a, x) => a + x[k], 0);
      return { starts: sum('starts'), instant: sum('instant'), billedS: sum('billedS'), playedS: sum('playedS') };
    });
    const i = spread(rs.map((r) => r.instant / r.starts));
    const q = spread(rs.map((r) => r.billedS / r.playedS));
    const ok = rs.filter((r) => r.instant / r.starts >= 0.95 && r.billedS / r.playedS <= sc.maxRatio).length;
    console.log(
      `${sc.name} ${label}: instant ${pct(i.median)}% [${pct(i.min)}–${pct(i.max)}], billed/played ${q.median.toFixed(3)} [${q.min.toFixed(3)}–${q.max.toFixed(3)}], ≥ 95% at ≤ ${sc.maxRatio.toFixed(2)} on ${ok}/${rs.length}`,
    );
  }
}
