import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import path from 'node:path';

/** How the orchestrator child is started. */
export interface OrchestratorEntry {
  nodeArgs: string[];
  script: string;
  /** 'dist' (the production build) or 'tsx' (the TypeScript sources through the tsx loader). */
  kind: 'dist' | 'tsx';
  /** Why tsx was used, or what the build said. */
  note: string;
  /** The directory it runs in (and `script` is relative to); unset: the repository. */
  cwd?: string;
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

/**
 * An earlier commit built for a side-by-side run (`--baseline-ref`): its tree from `git archive`
 * in a temporary directory, this checkout's node_modules linked in, compiled with its own
 * tsconfig.build.json. Run with its own package.json's node flags, in its own directory.
 */
export function buildBaseline(
  repoRoot: string,
  ref: string,
  dir: string,
): OrchestratorEntry & { dir: string; commit: string } {
  const git = (args: string[]) => {
    const r = spawnSync('git', ['-C', repoRoot, ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
    return r.stdout.trim();
  };
  const commit = git(['rev-parse', '--verify', `${ref}^{commit}`]);
  mkdirSync(dir, { recursive: true });
  const archive = spawnSync('sh', ['-c', `git -C "$1" archive "$2" | tar -x -C "$3"`, 'sh', repoRoot, commit, dir], {
    encoding: 'utf8',
  });
  if (archive.status !== 0) throw new Error(`git archive ${commit}: ${archive.stderr}`);
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  const entry = buildEntry(dir, true);
  if (entry.kind !== 'dist') throw new Error(`baseline ${ref} (${commit}) did not build: ${entry.note}`);
  return {
    ...entry,
    script: path.join(dir, entry.script),
    cwd: dir,
    dir,
    commit,
    note: `${ref} = ${commit.slice(0, 12)}, ${entry.note}`,
  };
}
