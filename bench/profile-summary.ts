import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  /** Microseconds on the monotonic clock (the same clock as process.hrtime on this machine). */
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** One function's share of the samples. */
export interface HotSpot {
  /** `function (where:line)`, where is shortened to the package or the repository file. */
  name: string;
  /** Percent of non-idle samples spent in the function itself. */
  selfPct: number;
  /** Percent of non-idle samples with the function anywhere on the stack. */
  totalPct: number;
}

export interface ProfileSummary {
  /** Non-idle milliseconds sampled in the window. */
  busyMs: number;
  /** Share of the window the process was idle (waiting on I/O): high means it was not CPU-bound. */
  idlePct: number;
  /** Hottest functions by self time. */
  bySelf: HotSpot[];
  /** Our own code (dist/ or src/) by inclusive time: where the time goes, as we can change it. */
  oursByTotal: HotSpot[];
  /** Self time by package (node internals, fastify, kysely, better-sqlite3, ours, GC, ...). */
  byPackage: { name: string; selfPct: number }[];
  /**
   * Time inside SQLite (the native call under Kysely's executeQuery), by the store function
   * that issued it, or COMMIT/BEGIN; statements whose async stack was lost are grouped by
   * whether they ran inside a transaction or on their own (autocommit).
   */
  sqliteByCaller: { name: string; pct: number }[];
}

const IDLE = new Set(['(idle)']);

/** Only samples taken inside [fromUs, toUs] of the monotonic clock count (the measured load, not start-up). */
export interface ProfileWindow {
  fromUs: number;
  toUs: number;
}

/** Reads a `.cpuprofile` (from `node --cpu-prof`) and ranks where the CPU time went. */
export function summariseProfile(file: string, window: ProfileWindow | null = null, top = 15): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const pkg = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  let atUs = p.startTime;
  p.samples.forEach((id, i) => {
    const dt = Math.max(0, p.timeDeltas[i] ?? 0);
    atUs += dt;
    if (window && (atUs < window.fromUs || atUs > window.toUs)) return;
    const node = byId.get(id);
    if (!node || IDLE.has(node.callFrame.functionName)) {
      idle += dt;
      return;
    }
    busy += dt;
    const key = frameName(node);
    self.set(key, (self.get(key) ?? 0) + dt);
    pkg.set(
      packageOf(node.callFrame.url, node.callFrame.functionName),
      (pkg.get(packageOf(node.callFrame.url, node.callFrame.functionName)) ?? 0) + dt,
    );
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const k = frameName(byId.get(cur)!);
      if (!seen.has(k)) {
        seen.add(k);
        total.set(k, (total.get(k) ?? 0) + dt);
      }
    }
  });
  const sqlite = sqliteTime(p, byId, parent, window);
  const pct = (v: number) => Math.round((1000 * v) / Math.max(1, busy)) / 10;
  const spot = (name: string): HotSpot => ({
    name,
    selfPct: pct(self.get(name) ?? 0),
    totalPct: pct(total.get(name) ?? 0),
  });
  const ranked = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]).map(([k]) => k);
  return {
    busyMs: Math.round(busy / 1000),
    idlePct: Math.round((1000 * idle) / Math.max(1, idle + busy)) / 10,
    bySelf: ranked(self).slice(0, top).map(spot),
    oursByTotal: ranked(total)
      .filter((k) => / \((dist|src)\//.test(k) && !k.startsWith('(anonymous) (dist/main.js'))
      .slice(0, top)
      .map(spot),
    byPackage: ranked(pkg)
      .slice(0, 12)
      .map((name) => ({ name, selfPct: pct(pkg.get(name) ?? 0) })),
    sqliteByCaller: ranked(sqlite).map((name) => ({ name, pct: pct(sqlite.get(name) ?? 0) })),
  };
}

/** Samples in Kysely's SQLite executeQuery (where better-sqlite3 runs the statement), by issuer. */
function sqliteTime(
  p: CpuProfile,
  byId: Map<number, ProfileNode>,
  parent: Map<number, number>,
  window: ProfileWindow | null,
): Map<string, number> {
  const out = new Map<string, number>();
  let atUs = p.startTime;
  p.samples.forEach((id, i) => {
    const dt = Math.max(0, p.timeDeltas[i] ?? 0);
    atUs += dt;
    if (window && (atUs < window.fromUs || atUs > window.toUs)) return;
    const leaf = byId.get(id);
    if (leaf?.callFrame.functionName !== 'executeQuery' || !leaf.callFrame.url.includes('sqlite-driver')) return;
    let name = '';
    let inTransaction = false;
    for (let cur: number | undefined = id; cur !== undefined && !name; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      if (/\/store\/[a-z-]+-queries\.[jt]s$/.test(f.url)) name = f.functionName;
      else if (f.functionName === 'commitTransaction' || f.functionName === 'beginTransaction')
        name = f.functionName === 'commitTransaction' ? 'COMMIT' : 'BEGIN';
      if (f.url.includes('single-connection-provider')) inTransaction = true;
    }
    name ||= inTransaction ? '(a statement in a transaction)' : '(an autocommit statement)';
    out.set(name, (out.get(name) ?? 0) + dt);
  });
  return out;
}

function frameName(n: ProfileNode): string {
  const f = n.callFrame;
  if (!f.url) return f.functionName || '(anonymous)';
  return `${f.functionName || '(anonymous)'} (${shortUrl(f.url)}:${f.lineNumber + 1})`;
}

function shortUrl(url: string): string {
  const nm = url.lastIndexOf('/node_modules/');
  if (nm !== -1) return url.slice(nm + '/node_modules/'.length);
  const m = /\/(dist|src|bench|test)\/(.*)$/.exec(url);
  if (m) return `${m[1]}/${m[2]}`;
  return url.replace(/^file:\/\//, '');
}

function packageOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm !== -1) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (/\/(dist|src)\//.test(url)) return 'orchestrator (ours)';
  return url;
}
