import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DemandSettings } from '../src/reconcile/demand-forecast.js';
import { dayMultiplier } from './cost-workload.js';
import { simulatePool, type PoolSimOptions } from './pool-model-sim.js';

/**
 * `npx tsx bench/pool-model.ts`: the pool policies in the second-by-second model
 * (pool-model-sim.ts: no orchestrator, no emulator), many seeds, in seconds. The cost bench
 * (bench/cost.ts) measures the real thing; this shows the same sweep with less noise.
 */
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
const SEEDS = [1, 2, 3, 4, 5];
const SIZES = [0, 1, 2, 3, 4, 5, 6, 7, 8];
const TARGETS = [0.3, 0.5, 0.8, 0.9, 0.95, 0.99];

interface Row {
  label: string;
  fixed: boolean;
  instant: number;
  ratio: number;
}

function sweep(rateAt: (t: number) => number, durationS: number): Row[] {
  const base = { rateAt, durationS, bootS: 46, passS: 10, meanLengthS: 600, recycle: true };
  const run = (label: string, fixed: boolean, policy: PoolSimOptions['policy']): Row => {
    let starts = 0;
    let instant = 0;
    let billed = 0;
    let played = 0;
    for (const seed of SEEDS) {
      const r = simulatePool({ ...base, policy, seed });
      starts += r.starts;
      instant += r.instant;
      billed += r.billedS;
      played += r.playedS;
    }
    return { label, fixed, instant: instant / starts, ratio: billed / played };
  };
  return [
    ...SIZES.map((n) => run(`fixed ${n}`, true, { kind: 'fixed', size: n })),
    ...TARGETS.map((p) =>
      run(`forecast ${p}`, false, { kind: 'forecast', settings: { ...FORECAST, targetInstant: p } }),
    ),
  ];
}

function table(title: string, rows: Row[]): string {
  const lines = [
    `## ${title}`,
    '',
    '| policy | instant | billed/played | dominated by forecast at |',
    '| --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    const by = r.fixed
      ? rows
          .filter((f) => !f.fixed && f.instant >= r.instant && f.ratio <= r.ratio)
          .map((f) => f.label.replace('forecast ', ''))
      : [];
    lines.push(
      `| ${r.label} | ${(r.instant * 100).toFixed(1)}% | ${r.ratio.toFixed(3)} | ${r.fixed ? by.join(', ') || '—' : ''} |`,
    );
  }
  return lines.join('\n');
}

const dayS = 6 * 3600;
const shape = dayMultiplier(dayS);
const md = [
  '# The pool policies in the model (bench/pool-model-sim.ts)',
  '',
  `Second-by-second, ${SEEDS.length} seeds each, 46 s boots, a pass every 10 s, sessions exponential (mean 600 s, 60–2,700 s), recycling on; billed per second from create to delete, at least 60 s, until the end of the run.`,
  '',
  table(
    'Steady: 200 starts/h for 4 h',
    sweep(() => 200 / 3600, 4 * 3600),
  ),
  '',
  table(
    'A day in 6 h (noon to noon), 120 starts/h on average, peak 10x',
    sweep((t) => (120 / 3600) * shape(t + dayS / 2), dayS),
  ),
  '',
].join('\n');
console.log(md);
const dir = path.join(path.resolve(import.meta.dirname, '..'), 'bench/results');
mkdirSync(dir, { recursive: true });
writeFileSync(path.join(dir, `pool-model-${new Date().toISOString().slice(0, 10)}.md`), md);
