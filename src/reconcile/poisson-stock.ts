/** The Poisson arithmetic of the forecasting pool's base-stock rule (demand-forecast.ts). */

/** P(X = k) for X ~ Poisson(mu), k = 0..n (log space: no underflow for large mu). */
export function poissonPmf(mu: number, n: number): number[] {
  const out = new Array<number>(n + 1).fill(0);
  if (mu <= 0) {
    out[0] = 1;
    return out;
  }
  const logMu = Math.log(mu);
  let logFact = 0;
  for (let k = 0; k <= n; k++) {
    if (k > 0) logFact += Math.log(k);
    out[k] = Math.exp(-mu + k * logMu - logFact);
  }
  return out;
}

const support = (mu: number) => Math.ceil(mu + 12 * Math.sqrt(mu) + 12);

/**
 * P(A − R ≥ k) for k = 0..n, with A ~ Poisson(mu) starts and R ~ Poisson(rho) freed servers
 * over the horizon: the chance that k ready-or-coming servers are all taken before a
 * replacement is ready.
 */
function netDemandTails(mu: number, rho: number): number[] {
  const nA = support(mu);
  const pA = poissonPmf(mu, nA);
  const pR = poissonPmf(Math.max(0, rho), rho > 0 ? support(rho) : 0);
  // P(D = d) for d = A − R ≥ 1 (a net demand of 0 or less never finds the pool empty).
  const pD = new Array<number>(nA + 1).fill(0);
  for (let a = 1; a <= nA; a++) {
    for (let r = 0; r < pR.length && r < a; r++) pD[a - r]! += pA[a]! * pR[r]!;
  }
  const tails = new Array<number>(nA + 2).fill(0);
  for (let d = nA; d >= 1; d--) tails[d] = tails[d + 1]! + pD[d]!;
  tails[0] = 1;
  return tails;
}

/**
 * Share of starts that find a server with `k` ready or coming. A start finds none when the
 * net demand since the pool was last topped up reaches k within one horizon (a base-stock
 * system with lead time H; by PASTA, Poisson starts see the time average): P(A − R < k).
 */
export function instantShare(mu: number, rho: number, k: number): number {
  if (mu <= 0) return 1;
  const tails = netDemandTails(mu, rho);
  return k >= tails.length ? 1 : 1 - tails[Math.max(0, k)]!;
}

/**
 * The least stock K of ready-or-coming servers such that starts A ~ Poisson(mu) less freed
 * servers R ~ Poisson(rho) over the horizon reach K with probability at most 1 − target:
 * P(A − R ≥ K) ≤ 1 − target, the Poisson quantile of the net demand. Also returns the share
 * of starts K serves at once.
 */
export function stockFor(mu: number, rho: number, target: number): { k: number; instant: number } {
  if (mu <= 0) return { k: 0, instant: 1 };
  const tails = netDemandTails(mu, rho);
  for (let k = 1; k < tails.length; k++) {
    if (tails[k]! <= 1 - target + 1e-12) return { k, instant: 1 - tails[k]! };
  }
  return { k: tails.length - 1, instant: 1 };
}
