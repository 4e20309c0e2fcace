import type { PoolPolicySettings } from './pool-policy-config.js';

/**
 * The rate to plan with. Holt's recursion is linear in the bucket rates x_j: the level is
 * Σ g_(B−j)·x_j plus the start value (the window's mean) carried through, g its impulse
 * response. Under a steady Poisson rate λ (var x_j = λ/step) the level less the window's rate
 * has sd √(λ/step · Σ coef²). Within two sd the starts do not show the rate moved: the window's
 * rate is planned with, no trend; further off, the level and its trend.
 */
export function plannedRate(
  rate: { level: number; trend: number; windowRate: number },
  s: Pick<PoolPolicySettings, 'windowS' | 'stepS' | 'rateHalfLifeS' | 'trendHalfLifeS'>,
): { ratePerS: number; trendPerS2: number; moved: boolean } {
  const n = Math.max(1, Math.floor(s.windowS / s.stepS));
  const a = 1 - 2 ** (-s.stepS / s.rateHalfLifeS);
  const b = 1 - 2 ** (-s.stepS / s.trendHalfLifeS);
  // One step of the recursion on (level, trend), no input: [[1−a, (1−a)·step], [−ab/step, 1−ab]].
  const step = ([l, t]: [number, number]): [number, number] => [
    (1 - a) * l + (1 - a) * s.stepS * t,
    ((-a * b) / s.stepS) * l + (1 - a * b) * t,
  ];
  let start: [number, number] = [1, 0];
  for (let k = 0; k < n; k++) start = step(start);
  let impulse: [number, number] = [a, (a * b) / s.stepS];
  let sumSq = 0;
  for (let k = 0; k < n; k++, impulse = step(impulse)) sumSq += (impulse[0] + start[0] / n - 1 / n) ** 2;
  const sd = Math.sqrt((rate.windowRate / s.stepS) * sumSq);
  const moved = Math.abs(rate.level - rate.windowRate) > 2 * sd;
  return moved
    ? { ratePerS: rate.level, trendPerS2: rate.trend, moved }
    : { ratePerS: rate.windowRate, trendPerS2: 0, moved };
}
