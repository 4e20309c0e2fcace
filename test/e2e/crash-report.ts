import type { KillRecord } from './crash-chaos.js';
import type { Ticket } from './crash-driver.js';
import type { StoreView } from './crash-store-view.js';

/**
 * Kills by what they interrupted (one kill can count under several). Claims and waiting starts
 * are told apart afterwards by the answer the retried start got; "committed" counts kills that
 * landed after the work was stored but before the client heard (the answer had to survive).
 */
export interface KillSpread {
  create: number;
  /** The emulator had made the droplet; the orchestrator had not heard. */
  createAnswerLost: number;
  boot: number;
  claim: number;
  claimCommitted: number;
  waitingStart: number;
  end: number;
  endCommitted: number;
  delete: number;
  deleteAnswerLost: number;
}

export function killSpread(
  kills: readonly KillRecord[],
  tickets: ReadonlyMap<string, Ticket>,
  store: StoreView,
): KillSpread {
  const s: KillSpread = {
    create: 0,
    createAnswerLost: 0,
    boot: 0,
    claim: 0,
    claimCommitted: 0,
    waitingStart: 0,
    end: 0,
    endCommitted: 0,
    delete: 0,
    deleteAnswerLost: 0,
  };
  for (const k of kills) {
    const creates = k.calls.filter((c) => c.kind === 'create');
    const deletes = k.calls.filter((c) => c.kind === 'delete');
    s.create += creates.length > 0 ? 1 : 0;
    s.createAnswerLost += creates.some((c) => c.stage === 'answer-held') ? 1 : 0;
    s.delete += deletes.length > 0 ? 1 : 0;
    s.deleteAnswerLost += deletes.some((c) => c.stage === 'answer-held') ? 1 : 0;
    s.boot += k.booting > 0 ? 1 : 0;
    const starts = k.starts.map((key) => tickets.get(key)).filter((t): t is Ticket => !!t?.answers[0]);
    const claims = starts.filter((t) => t.answers[0]!.reused);
    s.claim += claims.length > 0 ? 1 : 0;
    s.claimCommitted += claims.some((t) => (store.sessionByKey(t.key)?.created_at ?? Infinity) <= k.atMs) ? 1 : 0;
    s.waitingStart += starts.some((t) => !t.answers[0]!.reused) ? 1 : 0;
    s.end += k.ends.length > 0 ? 1 : 0;
    s.endCommitted += k.ends.some((key) => tickets.get(key)?.endFoundDone) ? 1 : 0;
  }
  return s;
}

export interface CrashSummary {
  kills: readonly KillRecord[];
  spread: KillSpread;
  tickets: readonly Ticket[];
  dropletsCreated: number;
  /** Droplets that shared a server id with an earlier one (made twice). */
  duplicates: number;
  reconciler: Record<string, number>;
  retries: number;
  retriedRequests: number;
  wallS: number;
  /** What the final checks found (cloud vs store, then the tickets); empty on success. */
  differences: readonly string[];
  violations: readonly string[];
}

/** The one line for the closing note. */
export function summaryLine(x: CrashSummary): string {
  const sp = x.spread;
  const answered = x.tickets.filter((t) => t.answers.length > 0);
  const reused = answered.filter((t) => t.answers[0]!.reused).length;
  const refused = x.tickets.filter((t) => t.outcome === 'refused').length;
  const resent = x.tickets.filter((t) => t.answers.length > 1).length;
  const ended = x.tickets.filter((t) => t.endState === 'ended').length;
  const kept = x.tickets.filter((t) => t.keep).length;
  const downMs = x.kills.reduce((a, k) => a + k.downMs, 0) / Math.max(1, x.kills.length);
  const r = x.reconciler;
  return (
    `[crash] ${x.kills.length} SIGKILLs in ${x.wallS.toFixed(0)} s (mean restart ${(downMs / 1000).toFixed(1)} s); in flight at the kill: ` +
    `create ${sp.create} (droplet made, answer lost ${sp.createAnswerLost}), boot ${sp.boot}, claim ${sp.claim} (stored, answer lost ${sp.claimCommitted}), ` +
    `waiting start ${sp.waitingStart}, end ${sp.end} (stored, answer lost ${sp.endCommitted}), delete ${sp.delete} (done, answer lost ${sp.deleteAnswerLost}) | ` +
    `starts answered ${answered.length} (from the pool ${reused}, refused ${refused}, re-sent ${resent}), ends ${ended}, kept ${kept} | ` +
    `droplets created ${x.dropletsCreated}, made twice ${x.duplicates} | reconciler: adopted ${r.adopt ?? 0}, rows lost ${r.markLost ?? 0}, ` +
    `orphans deleted ${r.deleteOrphan ?? 0}, teardowns ${r.teardown ?? 0}, creates ${r.create ?? 0} | requests retried after a kill ${x.retriedRequests} (${x.retries} attempts) | ` +
    `after settling: orphans ${x.differences.filter((d) => d.startsWith('orphan')).length}, ` +
    `rows without a droplet ${x.differences.filter((d) => d.includes('no live droplet')).length}, ` +
    `answered-then-lost ${x.violations.filter((v) => v.startsWith('(b)')).length}, ` +
    `keys answered twice differently ${x.violations.filter((v) => v.startsWith('(c)')).length}, ` +
    `ended but not deleted ${x.violations.filter((v) => v.startsWith('(d)')).length}`
  );
}
