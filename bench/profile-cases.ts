import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildEntry } from './build.js';
import { BENCH_KEY, BLOCK, CASES, LIVE_SESSIONS, PUBLIC_SESSIONS, type CaseName } from './cases.js';
import { startLiveSessions, startPublicSessions } from './fixtures.js';
import { runLoad } from './load.js';
import { startOrchestrator } from './measure.js';
import { benchOptions } from './options.js';
import { summariseProfile } from './profile-summary.js';

/**
 * `npx tsx bench/profile-cases.ts join-seat,lobbies [--no-build]`: one orchestrator under
 * `node --cpu-prof` holding the join and lobby worlds (as `npm run bench` sets them up), each
 * named case run in turn (BENCH_DURATION_S, default 10 s), and each case's window of the one
 * profile ranked on its own, with the service's CPU time per 2xx. Profiles stay under
 * $TMPDIR/orch-bench-profiles/cases.
 */
async function main(argv: string[]): Promise<void> {
  const names = (argv.find((a) => !a.startsWith('--')) ?? 'join-seat,lobbies').split(',') as CaseName[];
  const o = benchOptions(
    argv.filter((a) => a.startsWith('--')),
    process.env,
    path.resolve(import.meta.dirname, '..'),
  );
  const entry = buildEntry(o.repoRoot, o.build);
  const dir = mkdtempSync(path.join(tmpdir(), 'orch-bench-prof-'));
  const profDir = path.join(tmpdir(), 'orch-bench-profiles', 'cases');
  rmSync(profDir, { recursive: true, force: true });
  mkdirSync(profDir, { recursive: true });
  const orch = await startOrchestrator(o, entry, path.join(dir, 'bench.db'), 'warn', [
    '--cpu-prof',
    `--cpu-prof-dir=${profDir}`,
  ]);
  const windows: { name: CaseName; fromUs: number; toUs: number; okPerS: number; cpuMsPerOk: number | null }[] = [];
  try {
    const warm = await startLiveSessions(orch.url, BENCH_KEY, BLOCK.sessions, LIVE_SESSIONS);
    await startPublicSessions(orch.url, BENCH_KEY, BLOCK.lobbies, PUBLIC_SESSIONS);
    const ctx = { joinCodes: { warm, logged: warm } };
    for (const name of names) {
      const c = CASES.find((x) => x.name === name);
      if (!c) throw new Error(`no case ${name}`);
      await runLoad({ url: orch.url, connections: o.connections, durationS: 2, request: c.request(ctx) });
      const fromUs = Number(process.hrtime.bigint() / 1000n);
      const r = await runLoad({
        url: orch.url,
        connections: o.connections,
        durationS: o.durationS,
        request: c.request(ctx),
        servicePid: orch.pid,
      });
      const toUs = Number(process.hrtime.bigint() / 1000n);
      windows.push({
        name,
        fromUs,
        toUs,
        okPerS: Math.round(r.okPerS),
        cpuMsPerOk: r.serviceCpuMs === null || r.ok === 0 ? null : Math.round((1000 * r.serviceCpuMs) / r.ok) / 1000,
      });
      console.log(`${name}: ${Math.round(r.okPerS)} 2xx/s, non-2xx ${JSON.stringify(r.non2xx)}`);
    }
  } finally {
    await orch.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no profile in ${profDir}`);
  for (const w of windows) {
    const s = summariseProfile(path.join(profDir, file), w, 25);
    console.log(`\n== ${w.name}: ${w.okPerS} 2xx/s under the profiler, service CPU ${w.cpuMsPerOk} ms per 2xx`);
    console.log(`busy ${s.busyMs} ms, idle ${s.idlePct}%`);
    console.log('by package: ' + s.byPackage.map((p) => `${p.name} ${p.selfPct}%`).join('; '));
    console.log('sqlite by caller: ' + s.sqliteByCaller.map((p) => `${p.name} ${p.pct}%`).join('; '));
    console.log('top self:');
    for (const h of s.bySelf) console.log(`  ${h.selfPct}% (${h.totalPct}%) ${h.name}`);
    console.log('ours by total:');
    for (const h of s.oursByTotal) console.log(`  ${h.totalPct}% ${h.name}`);
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (err) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
