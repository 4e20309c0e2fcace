#!/usr/bin/env node
// Entry point of the `game-orchestrator` command. Runs the compiled build when it matches the
// sources (or when only dist/ is shipped), else the TypeScript sources through tsx, so a
// checkout that changed since `npm run build` never runs stale code.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildState, ROOT } from './build-state.js';

const built = path.join(ROOT, 'dist', 'main.js');
const state = buildState();
const tsx = state.stale ? await import('tsx/esm/api').catch(() => null) : null;
if (tsx) {
  tsx.register();
  await import(pathToFileURL(path.join(ROOT, 'src', 'main.ts')).href);
} else {
  if (state.stale && existsSync(built))
    console.error(`game-orchestrator: ${state.reason}; running the older build in dist/`);
  await import(pathToFileURL(built).href);
}
