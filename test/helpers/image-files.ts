import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import path from 'node:path';
import { copies, last, parseDockerfile, type Copy, type Stage } from './dockerfile.js';
import { REPO_ROOT } from './processes.js';

/** The `node` user of the node:*-bookworm images. */
export const NODE_UID = 1000;

const AS_ROOT = process.getuid?.() === 0;

/** Paths `.dockerignore` keeps out of the build context (its simple forms: `name`, `**\/name`, `a/b`). */
function ignoredByDocker(): (rel: string) => boolean {
  const file = path.join(REPO_ROOT, '.dockerignore');
  const patterns = existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#'))
    : [];
  return (rel) =>
    patterns.some((p) =>
      p.startsWith('**/') ? rel.split('/').includes(p.slice(3)) : rel === p || rel.startsWith(`${p}/`),
    );
}

/** Copies one COPY's sources (Docker's rules: a folder's contents, a file by name into a folder). */
function copyInto(copy: Copy, fromDir: string, workdir: string, skip: (rel: string) => boolean): void {
  const dest = path.resolve(workdir, copy.dest);
  const intoFolder = copy.dest.endsWith('/') || copy.sources.length > 1;
  for (const source of copy.sources) {
    const from = path.join(fromDir, source.replace(/^\/app\/?/, ''));
    if (!existsSync(from)) throw new Error(`COPY ${source}: not found at ${from}`);
    const to = statSync(from).isDirectory() || !intoFolder ? dest : path.join(dest, path.basename(from));
    mkdirSync(path.dirname(to), { recursive: true });
    cpSync(from, to, {
      recursive: true,
      filter: (f) => !skip(path.relative(fromDir, f).split(path.sep).join('/')),
    });
    if (copy.chown === 'node:node') chownTree(to);
  }
}

/** Docker's --chown: the links themselves (the workspaces' links in node_modules), never their targets. */
function chownTree(p: string): void {
  if (!AS_ROOT) return;
  lchownSync(p, NODE_UID, NODE_UID);
  if (lstatSync(p).isDirectory()) for (const e of readdirSync(p)) chownTree(path.join(p, e));
}

/**
 * node_modules as the build stage's `npm prune --omit=dev` leaves them: the production
 * dependencies `npm ls --omit=dev` lists, copied from the checkout's install.
 */
function productionModules(into: string): void {
  const ls = spawnSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: REPO_ROOT, encoding: 'utf8' });
  // A node_modules installed before the SDK workspaces (packages/*) lacks only their links, which
  // the service never imports by name (the image copies packages/ itself); anything else missing fails.
  const problems = ls.stderr.split('\n').filter((l) => /^npm error (missing|invalid|extraneous)/.test(l));
  if (ls.status !== 0 && (problems.length === 0 || problems.some((l) => !l.includes('missing: @game-orchestrator/'))))
    throw new Error(`npm ls failed:\n${ls.stderr}`);
  const listed = ls.stdout
    .split('\n')
    .filter((p) => p.startsWith(path.join(REPO_ROOT, 'node_modules') + path.sep))
    .sort();
  const done: string[] = [];
  for (const dir of listed) {
    if (done.some((d) => dir.startsWith(d + path.sep))) continue; // copied with its parent
    cpSync(dir, path.join(into, path.relative(REPO_ROOT, dir)), { recursive: true, verbatimSymlinks: true });
    done.push(dir);
  }
}

export interface ImageFiles {
  runtime: Stage;
  /** The runtime stage's WORKDIR (/app) rebuilt: only what its COPY lines copy. */
  appDir: string;
}

/**
 * Rebuilds the image's runtime stage, file by file, under `root` (no Docker daemon here).
 * The build stage's RUN lines need the network (apt, npm ci), so: its COPY lines are followed,
 * node_modules is linked to the checkout's, and `npm run build` runs there, as its RUN does.
 * Then every COPY of the runtime stage is followed exactly, with --chown honoured when root.
 */
export function buildImageFiles(root: string): ImageFiles {
  const stages = parseDockerfile(readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8'));
  const runtime = stages.at(-1)!;
  const skip = ignoredByDocker();
  const buildDir = path.join(root, 'build');
  const appDir = path.join(root, 'app');
  for (const stage of stages.slice(0, -1)) {
    const run = stage.instructions.filter((i) => i.op === 'RUN').map((i) => i.args);
    for (const step of ['npm ci', 'npm run build', 'npm prune --omit=dev'])
      if (!run.some((r) => r.includes(step)))
        throw new Error(`build stage no longer runs "${step}": update this helper`);
    for (const c of copies(stage)) copyInto(c, REPO_ROOT, buildDir, skip);
  }
  symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(buildDir, 'node_modules'));
  execFileSync('npm', ['run', 'build'], { cwd: buildDir, stdio: 'pipe' });
  if (last(runtime, 'WORKDIR') !== '/app') throw new Error('the runtime stage no longer works in /app');
  mkdirSync(appDir, { mode: 0o755 });
  for (const c of copies(runtime)) {
    if (c.from !== null && c.sources.join() === '/app/node_modules') {
      productionModules(appDir);
      if (c.chown === 'node:node') chownTree(path.join(appDir, 'node_modules'));
    } else copyInto(c, c.from === null ? REPO_ROOT : buildDir, appDir, c.from === null ? skip : () => false);
  }
  // WORKDIR makes /app as root: the node user may write inside what was copied, not beside it.
  chmodSync(appDir, AS_ROOT ? 0o755 : 0o555);
  return { runtime, appDir };
}
