import { parseArgs } from 'node:util';
import type { DemandSettings } from '../src/reconcile/demand-forecast.js';
import { spread } from './cost-seeds.js';
import { dayMultiplier } from './cost-workload.js';
import { simulatePool, type PoolSimOptions } from './pool-model-sim.js';

/**
 * `npx tsx bench/pool-model-seeds.ts [--seeds 16] [--oracle]`: the cost bench's steady hour
 * (200 starts/h, measured after 30 min of the same demand) and day (6 h, peak 10x) in the pool
 * model, each policy on every seed: median [range] of instant and billed/played, and on how
 * many seeds a policy meets ≥ 95% instant at ≤ 1.20. --oracle plans with the true rate (what
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
const scenarios = [
  { name: 'steady', rateAt: () => 200 / 3600, durationS: 4 * 3600, measureFromS: 1800 },
  { name: 'day', rateAt: (t: number) => (120 / 3600) * shape(t + dayS / 2), durationS: dayS, measureFromS: 0 },
];
const policies: [string, PoolSimOptions['policy']][] = [
  ['fixed 5', { kind: 'fixed', size: 5 }],
  ['fixed 6', { kind: 'fixed', size: 6 }],
  ...[0.9, 0.95, 0.99].map((p): [string, PoolSimOptions['policy']] => [
    `forecast ${p}`,
    { kind: 'forecast', settings: { ...FORECAST, targetInstant: p } },
  ]),
];
const pct = (x: number) => (x * 100).toFixed(1);
console.log(`${seeds.length} seeds, 46 s boots, a pass every 10 s, recycling${values.oracle ? ', ORACLE rate' : ''}`);
for (const sc of scenarios) {
  for (const [label, policy] of policies) {
    const rs = seeds.map((seed) =>
      simulatePool({
        ...sc,
        bootS: 46,
        passS: 10,
        meanLengthS: 600,
        recycle: true,
        policy,
        seed,
        oracle: values.oracle,
      }),
    );
    const i = spread(rs.map((r) => r.instant / r.starts));
    const q = spread(rs.map((r) => r.billedS / r.playedS));
    const ok = rs.filter((r) => r.instant / r.starts >= 0.95 && r.billedS / r.playedS <= 1.2).length;
    console.log(
      `${sc.name} ${label}: instant ${pct(i.median)}% [${pct(i.min)}–${pct(i.max)}], billed/played ${q.median.toFixed(3)} [${q.min.toFixed(3)}–${q.max.toFixed(3)}], ≥ 95% at ≤ 1.20 on ${ok}/${rs.length}`,
    );
  }
}
