import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

/** How the orchestrator child is started. */
export interface OrchestratorEntry {
  nodeArgs: string[];
  script: string;
  /** 'dist' (the production build) or 'tsx' (the TypeScript sources through the tsx loader). */
  kind: 'dist' | 'tsx';
  /** Why tsx was used, or what the build said. */
  note: string;
}

/**
 * Compiles src/ to dist/ (`tsc -p tsconfig.build.json`) and returns dist/main.js. tsc emits even
 * with type errors elsewhere in the tree, so a fresh dist/main.js is used and the errors noted.
 */
export function buildEntry(repoRoot: string, build: boolean): OrchestratorEntry {
  const main = path.join(repoRoot, 'dist/main.js');
  let note = 'dist/ used as found (--no-build)';
  if (build) {
    const started = Date.now();
    const tsc = path.join(repoRoot, 'node_modules/typescript/bin/tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: repoRoot, encoding: 'utf8' });
    const errors = (r.stdout.match(/error TS\d+/g) ?? []).length;
    note = r.status === 0 ? 'built with tsc -p tsconfig.build.json' : `built with tsc -p tsconfig.build.json (${errors} type errors reported; output emitted anyway)`;
    if (!existsSync(main) || statSync(main).mtimeMs < started - 1000) {
      return { nodeArgs: ['--import', 'tsx'], script: 'src/main.ts', kind: 'tsx', note: `build produced no dist/main.js: ${r.stdout.slice(0, 500)}` };
    }
  }
  if (!existsSync(main)) return { nodeArgs: ['--import', 'tsx'], script: 'src/main.ts', kind: 'tsx', note: 'no dist/main.js' };
  return { nodeArgs: [], script: 'dist/main.js', kind: 'dist', note };
}
