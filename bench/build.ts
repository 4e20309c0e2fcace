import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
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
    note =
      r.status === 0
        ? 'built with tsc -p tsconfig.build.json'
        : `built with tsc -p tsconfig.build.json (${errors} type errors reported; output emitted anyway)`;
    if (!existsSync(main) || statSync(main).mtimeMs < started - 1000) {
      return {
        nodeArgs: [...serviceNodeFlags(repoRoot), '--import', 'tsx'],
        script: 'src/main.ts',
        kind: 'tsx',
        note: `build produced no dist/main.js: ${r.stdout.slice(0, 500)}`,
      };
    }
  }
  const flags = serviceNodeFlags(repoRoot);
  if (!existsSync(main))
    return { nodeArgs: [...flags, '--import', 'tsx'], script: 'src/main.ts', kind: 'tsx', note: 'no dist/main.js' };
  return { nodeArgs: flags, script: 'dist/main.js', kind: 'dist', note };
}

/**
 * The node flags `npm start` runs the service with (package.json's start script, `exec node
 * <flags> bin/start.js`), so the bench measures the service as it is run, GC settings included.
 */
export function serviceNodeFlags(repoRoot: string): string[] {
  const start =
    (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> })
      .scripts.start ?? '';
  const m = /\bnode((?:\s+--[\w-]+(?:=\S+)?)*)\s+bin\/start\.js/.exec(start);
  if (!m) throw new Error(`package.json's start script is not \`exec node [flags] bin/start.js\`: ${start}`);
  return m[1]!.trim().split(/\s+/).filter(Boolean);
}
