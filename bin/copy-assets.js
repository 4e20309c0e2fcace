// The files tsc does not emit but the built service reads at run time, copied from src/ into
// dist/ beside the modules that read them. Run after every build (`npm run build`, bin/start.js).
import { cpSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './build-state.js';

/** Folders under src/ copied as they are to the same place under dist/. */
export const ASSET_DIRS = ['dashboard/assets'];

/** @param {string} root */
export function copyAssets(root = ROOT) {
  for (const dir of ASSET_DIRS) {
    const to = path.join(root, 'dist', dir);
    // A file removed from src/ must not linger in dist/.
    rmSync(to, { recursive: true, force: true });
    cpSync(path.join(root, 'src', dir), to, { recursive: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) copyAssets();
