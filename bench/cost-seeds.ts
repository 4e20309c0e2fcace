import type { CostRunResult } from './cost-results.js';
import type { PolicyRun, ScenarioReport } from './cost-report.js';

/** One results file of the cost bench: one scenario on one workload seed, measured at one commit. */
export interface SeedScenario {
  seed: number;
  /** The commit measured (`git rev-parse HEAD`, "-dirty" with changes); older files lack it. */
  commit?: string;
  scenario: ScenarioReport;
}

/** One policy's runs, one per seed it was measured on. */
export interface PolicyAcrossSeeds {
  /** The policy's label; with " @ <commit>" when the scenario has its runs from more than one commit. */
  label: string;
  /** The commit its runs measured. */
  commit: string;
  policy: PolicyRun['policy'];
  param: number;
  bySeed: { seed: number; commit: string; result: CostRunResult }[];
}

/** A scenario over every seed measured: what the report shows as median and range. */
export interface ScenarioAcrossSeeds {
  name: ScenarioReport['name'];
  title: string;
  measured: ScenarioReport['measured'];
  maxServers: number;
  bootS: number;
  recycleFixed: boolean;
  /** Seeds in ascending order, each with its workload's session count. */
  seeds: { seed: number; sessions: number }[];
  policies: PolicyAcrossSeeds[];
}

/** Median (the mean of the middle two for an even count) and range; zeros for none. */
export function spread(values: readonly number[]): { median: number; min: number; max: number; n: number } {
  if (values.length === 0) return { median: 0, min: 0, max: 0, n: 0 };
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s.at(-1)!, n: s.length };
}

const ORDER: readonly ScenarioReport['name'][] = ['steady', 'cold', 'day', 'burst', 'sun'];

/**
 * Joins results files into one view per scenario: the parts of one seed (run by separate
 * processes over the same workload) join by policy label and commit, the first file read
 * keeping a run it shares with a later one; every seed's run of a policy is kept beside the
 * others.
 */
export function joinSeeds(files: readonly SeedScenario[]): ScenarioAcrossSeeds[] {
  const byName = new Map<string, ScenarioAcrossSeeds>();
  for (const f of files) {
    const sc = f.scenario;
    let joined = byName.get(sc.name);
    if (!joined) {
      joined = {
        name: sc.name,
        title: sc.title,
        measured: sc.measured,
        maxServers: sc.maxServers,
        bootS: sc.bootS,
        recycleFixed: sc.recycleFixed,
        seeds: [],
        policies: [],
      };
      byName.set(sc.name, joined);
    }
    if (!joined.seeds.some((s) => s.seed === f.seed)) joined.seeds.push({ seed: f.seed, sessions: sc.sessions });
    const commit = f.commit ?? 'unknown';
    for (const run of sc.runs) {
      // Runs of different code are different policies: a label measured at two commits is two rows.
      let p = joined.policies.find((x) => x.label === run.label && x.commit === commit);
      if (!p) {
        p = { label: run.label, commit, policy: run.policy, param: run.param, bySeed: [] };
        joined.policies.push(p);
      }
      if (!p.bySeed.some((x) => x.seed === f.seed)) p.bySeed.push({ seed: f.seed, commit, result: run.result });
    }
  }
  for (const sc of byName.values()) {
    const split = new Set(
      sc.policies
        .filter((p) => sc.policies.some((x) => x.label === p.label && x.commit !== p.commit))
        .map((p) => p.label),
    );
    for (const p of sc.policies) if (split.has(p.label)) p.label = `${p.label} @ ${p.commit.slice(0, 7)}`;
  }
  const all = [...byName.values()].sort((a, b) => ORDER.indexOf(a.name) - ORDER.indexOf(b.name));
  for (const sc of all) {
    sc.seeds.sort((a, b) => a.seed - b.seed);
    sc.policies.sort((a, b) =>
      a.policy !== b.policy ? (a.policy === 'fixed' ? -1 : 1) : a.param - b.param || a.label.localeCompare(b.label),
    );
    for (const p of sc.policies) p.bySeed.sort((a, b) => a.seed - b.seed);
  }
  return all;
}

/** Every commit the runs of these scenarios measured, in the order first seen. */
export function commitsOf(scenarios: readonly ScenarioAcrossSeeds[]): string[] {
  const out: string[] = [];
  for (const sc of scenarios)
    for (const p of sc.policies) for (const r of p.bySeed) if (!out.includes(r.commit)) out.push(r.commit);
  return out;
}
