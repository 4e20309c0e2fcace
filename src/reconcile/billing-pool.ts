import { paidUntilMs, type BillingRule } from '../domain/billing-rule.js';
import type { Server } from '../domain/server.js';
import { compareText } from './compare-text.js';

/** How the pool spends what the cloud has already billed (POOL_BILLING_*). */
export interface PoolBillingSettings {
  /** The running provider's billing rule (ProviderModule.billing). */
  rule: BillingRule;
  /** Each provider's rule by the origin its rows carry (a fleet across clouds); absent: `rule` for all. */
  rules?: Readonly<Record<string, BillingRule>>;
  /** Keep an idle server whose billing unit is paid until shortly before the next one starts. */
  aware: boolean;
  /** How long before its next billing unit an extra idle server is deleted (a pass, a delete and slack). */
  marginS: number;
}

/**
 * Which extra idle servers to delete now, and when: a separate step from how many the pool
 * wants (the pools say which they would take, `byPool`: as many as are extra, per region).
 *
 * Under a billing unit longer than the margin (Hetzner's hour), an idle server whose unit is
 * paid costs nothing more until the next unit starts: it is kept as supply (a start claims it
 * instead of waiting for a boot) and deleted only within `marginS` of its next unit — unless
 * the pool wants it then (it is no longer extra: demand is expected). Of the servers inside
 * their margin, those closest to their next unit go first. Per-second billing (DigitalOcean),
 * or the step switched off, deletes what the pool chose at once.
 */
export function chooseIdleDeletes(input: {
  byPool: readonly Server[];
  /** Idle ready servers of ours with no players: every one the pool could delete. */
  deletable: readonly Server[];
  nowMs: number;
  billing: PoolBillingSettings | null | undefined;
}): Server[] {
  const b = input.billing;
  if (!b || !b.aware) return [...input.byPool];
  const ruleOf = (s: Server): BillingRule => b.rules?.[s.origin] ?? b.rule;
  const leftMs = (s: Server) => paidUntilMs(ruleOf(s), s.createdAtMs, input.nowMs) - input.nowMs;
  const out: Server[] = [];
  // Each region's pool is its own: as many go there as its pool found extra. A region is on one
  // cloud, so one billing rule holds for its servers.
  for (const region of new Set(input.byPool.map((s) => s.region))) {
    const extra = input.byPool.filter((s) => s.region === region);
    if (ruleOf(extra[0]!).unitS <= b.marginS) {
      out.push(...extra);
      continue;
    }
    const due = input.deletable
      .filter((s) => s.region === region && leftMs(s) <= b.marginS * 1000)
      .sort((x, y) => leftMs(x) - leftMs(y) || compareText(x.id, y.id));
    out.push(...due.slice(0, extra.length));
  }
  return out;
}
