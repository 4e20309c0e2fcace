// Is dist/ a build of the sources as they are now? Shared by `npm start` (bin/start.js) and the
// `game-orchestrator` command. Compares modification times: the newest file under src/ and the
// build's config against dist/main.js (tsc rewrites every output file on each build).
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository (or installed package) root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Inputs of the build besides src/: a change to either changes what tsc emits. */
const CONFIG_FILES = ['tsconfig.json', 'tsconfig.build.json'];

/**
 * `{ stale: false }` when dist/main.js is newer than every source, or when there are no sources
 * (an image that ships only dist/). Otherwise `{ stale: true, reason }`.
 * @param {string} root
 * @returns {{ stale: boolean, reason: string }}
 */
export function buildState(root = ROOT) {
  const srcDir = path.join(root, 'src');
  const built = path.join(root, 'dist', 'main.js');
  if (!existsSync(srcDir)) return { stale: false, reason: 'no sources; running dist/ as shipped' };
  if (!existsSync(built)) return { stale: true, reason: 'dist/ has not been built yet' };
  const builtMs = statSync(built).mtimeMs;
  const inputs = [...sourceFiles(srcDir), ...CONFIG_FILES.map((f) => path.join(root, f)).filter((f) => existsSync(f))];
  for (const file of inputs) {
    if (statSync(file).mtimeMs > builtMs)
      return { stale: true, reason: `${path.relative(root, file)} changed since the last build` };
  }
  return { stale: false, reason: 'dist/ is up to date' };
}

/**
 * After a failed or interrupted build: tsc emits even when it reports errors, so a half-good
 * dist/main.js would look newer than the sources; dating it back makes the next start rebuild.
 * @param {string} root
 */
export function markStale(root = ROOT) {
  const built = path.join(root, 'dist', 'main.js');
  if (existsSync(built)) utimesSync(built, 0, 0);
}

/** @param {string} dir @returns {Generator<string>} */
function* sourceFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(p);
    else if (entry.isFile()) yield p;
  }
}
