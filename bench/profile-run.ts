import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { OrchestratorEntry } from './build.js';
import { BLOCK, CASES, HEARTBEAT_SERVERS, type CaseName } from './cases.js';
import { prepopulate } from './fixtures.js';
import { runLoad, type LoadResult } from './load.js';
import { startOrchestrator } from './measure.js';
import type { BenchOptions } from './options.js';
import { summariseProfile, type ProfileSummary } from './profile-summary.js';

export interface CaseProfile {
  case: CaseName;
  file: string;
  load: LoadResult;
  summary: ProfileSummary;
}

/**
 * Runs one case against an orchestrator started with `node --cpu-prof`, on a database filled
 * through the store beforehand (so the profile holds the case, not the set-up), and ranks the
 * hot spots. Profiles are kept under `outDir` (large; not for the repository).
 */
export async function profileCase(
  o: BenchOptions,
  entry: OrchestratorEntry,
  name: CaseName,
  startProbePerS: number,
  outDir: string,
): Promise<CaseProfile> {
  const c = CASES.find((x) => x.name === name)!;
  // Twice what the probe's rate needs, so the pool never runs dry while profiling (a dry pool profiles the wrong path).
  const readyServers = c.claims ? Math.ceil(startProbePerS * o.durationS * 2) + 1000 : 0;
  const dir = mkdtempSync(path.join(tmpdir(), 'orch-bench-prof-'));
  const profDir = path.join(outDir, name.replace(/[^a-z0-9]+/g, '-'));
  rmSync(profDir, { recursive: true, force: true });
  mkdirSync(profDir, { recursive: true });
  try {
    const dbPath = path.join(dir, 'bench.db');
    const code = await prepopulate(dbPath, {
      readyServers,
      busyServers: HEARTBEAT_SERVERS,
      busyBlock: BLOCK.busy,
      readyBlock: BLOCK.ready,
    });
    const ctx = { joinCodes: { warm: [code], logged: [code] } };
    const orch = await startOrchestrator(o, entry, dbPath, 'warn', ['--cpu-prof', `--cpu-prof-dir=${profDir}`]);
    let load: LoadResult;
    let window = null;
    let exit: Awaited<ReturnType<typeof orch.stop>>;
    try {
      const fromUs = Number(process.hrtime.bigint() / 1000n);
      load = await runLoad({
        url: orch.url,
        connections: c.connections ?? o.connections,
        durationS: o.durationS,
        request: c.request(ctx),
      });
      window = { fromUs, toUs: Number(process.hrtime.bigint() / 1000n) };
    } finally {
      exit = await orch.stop();
    }
    if (exit !== 0) throw new Error(`profiled orchestrator exited with ${exit}: ${orch.output().slice(-2000)}`);
    const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error(`no .cpuprofile written in ${profDir}`);
    const full = path.join(profDir, file);
    return { case: name, file: full, load, summary: summariseProfile(full, window) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
