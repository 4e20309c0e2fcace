#!/usr/bin/env node
// `npm start`: compiles TypeScript only when the sources changed since the last build, then runs
// dist/main.js in this same process. package.json starts it with `exec`, so npm's signals
// (SIGTERM, SIGINT) reach the service itself and no shell is left between them.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildState, markStale, ROOT } from './build-state.js';
import { copyAssets } from './copy-assets.js';

const state = buildState();
if (state.stale) await build(state.reason);
await import(pathToFileURL(path.join(ROOT, 'dist', 'main.js')).href);

/** Runs tsc; a signal meanwhile stops the build and this process. */
async function build(reason) {
  let tsc;
  try {
    tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    console.error(`game-orchestrator: ${reason}, and TypeScript is not installed to build it (run npm install)`);
    process.exit(1);
  }
  console.error(`game-orchestrator: building dist/ (${reason})…`);
  const child = spawn(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  const forward = (signal) => child.kill(signal);
  process.on('SIGTERM', forward);
  process.on('SIGINT', forward);
  const [code, signal] = await new Promise((resolve) => child.once('exit', (c, s) => resolve([c, s])));
  process.off('SIGTERM', forward);
  process.off('SIGINT', forward);
  if (signal || code !== 0) markStale();
  if (signal) process.exit(signal === 'SIGINT' ? 130 : 143);
  if (code !== 0) {
    console.error('game-orchestrator: the build failed; see the errors above');
    process.exit(code ?? 1);
  }
  copyAssets();
}
